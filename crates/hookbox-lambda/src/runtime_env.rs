//! Whether the process was started the way Lambda starts a runtime: with the variables `lambda_runtime`
//! reads when its loop begins (`AWS_LAMBDA_RUNTIME_API`, the function's name, version and memory size).
//!
//! `lambda_runtime` panics on a missing or malformed one. Lambda, `sam local` and `cargo lambda` always
//! set them, but a binary started by hand, or by a misconfigured emulator, would end in a panic message
//! instead of saying what is wrong; checked first, it is one clear error line and exit status 1.

/// A variable the runtime needs is missing or unreadable.
#[derive(Debug, thiserror::Error)]
#[error(
    "not started by a Lambda runtime: {name} {problem} (Lambda, `sam local invoke` and `cargo lambda watch` \
     set it)"
)]
pub struct NotUnderLambda {
    name: &'static str,
    problem: &'static str,
}

/// Ok when every variable `lambda_runtime` reads at start is there and readable.
pub fn check() -> Result<(), NotUnderLambda> {
    check_vars(|name| std::env::var(name).ok())
}

fn check_vars(var: impl Fn(&str) -> Option<String>) -> Result<(), NotUnderLambda> {
    let missing = |name| NotUnderLambda {
        name,
        problem: "is not set",
    };
    for name in ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION"] {
        var(name).ok_or_else(|| missing(name))?;
    }
    let memory = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";
    var(memory)
        .ok_or_else(|| missing(memory))?
        .parse::<i32>()
        .map_err(|_| NotUnderLambda {
            name: memory,
            problem: "is not a number of megabytes",
        })?;
    let api = "AWS_LAMBDA_RUNTIME_API";
    let address = var(api).ok_or_else(|| missing(api))?;
    match address.parse::<http::Uri>() {
        Ok(uri) if uri.authority().is_some() => Ok(()),
        _ => Err(NotUnderLambda {
            name: api,
            problem: "is not a host:port or URL",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Overrides = Vec<(&'static str, Option<&'static str>)>;

    fn lambda_env(overrides: Overrides) -> impl Fn(&str) -> Option<String> {
        move |name| {
            if let Some((_, value)) = overrides.iter().find(|(key, _)| *key == name) {
                return value.map(str::to_owned);
            }
            match name {
                "AWS_LAMBDA_FUNCTION_NAME" => Some("enqueue".into()),
                "AWS_LAMBDA_FUNCTION_VERSION" => Some("$LATEST".into()),
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE" => Some("128".into()),
                "AWS_LAMBDA_RUNTIME_API" => Some("127.0.0.1:9001".into()),
                _ => None,
            }
        }
    }

    #[test]
    fn lambdas_own_variables_pass_and_an_emulators_url_too() {
        assert!(check_vars(lambda_env(vec![])).is_ok());
        let emulator = vec![("AWS_LAMBDA_RUNTIME_API", Some("http://127.0.0.1:9000/.rt/enqueue"))];
        assert!(check_vars(lambda_env(emulator)).is_ok());
    }

    #[test]
    fn a_missing_or_unreadable_variable_is_named() {
        let cases: Vec<(Overrides, &str)> = vec![
            (
                vec![("AWS_LAMBDA_FUNCTION_NAME", None)],
                "AWS_LAMBDA_FUNCTION_NAME is not set",
            ),
            (
                vec![("AWS_LAMBDA_FUNCTION_VERSION", None)],
                "AWS_LAMBDA_FUNCTION_VERSION is not set",
            ),
            (
                vec![("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Some("lots"))],
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE is not a number",
            ),
            (
                vec![("AWS_LAMBDA_RUNTIME_API", None)],
                "AWS_LAMBDA_RUNTIME_API is not set",
            ),
            (
                vec![("AWS_LAMBDA_RUNTIME_API", Some("/no/host"))],
                "AWS_LAMBDA_RUNTIME_API is not a host:port",
            ),
        ];
        for (overrides, expected) in cases {
            let error = check_vars(lambda_env(overrides)).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
    }
}

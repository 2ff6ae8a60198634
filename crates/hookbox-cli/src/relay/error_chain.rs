//! Errors as one line with their causes, which is where reqwest and the AWS SDK say what actually went
//! wrong: their own `Display` stops at "error sending request" or "dispatch failure".

/// `error` followed by each of its causes, joined by ": ".
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

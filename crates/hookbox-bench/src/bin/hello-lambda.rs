//! The floor of a Rust function's cold start: the smallest `lambda_runtime` function (the runtime's
//! loop, no logging, no AWS SDK, no configuration), answering every event with a fixed gateway reply.
//! `scripts/bench` measures it beside the real functions, so that their init and memory can be read
//! above what any `lambda_runtime` function costs, not only in total.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| async {
        Ok::<_, Error>(json!({"statusCode": 200, "body": "hello"}))
    }))
    .await
}

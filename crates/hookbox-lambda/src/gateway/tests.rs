use serde_json::{Value, json};

use super::request::strip_stage;
use super::*;

/// `json!` sorts object keys, so a test of the order of a map gives its event as text.
fn parse_text(event: &str) -> IncomingRequest {
    let event = GatewayEvent::from_json(event).expect("a gateway event");
    IncomingRequest::from_event(event).expect("a valid body")
}

fn parse(event: Value) -> IncomingRequest {
    parse_text(&event.to_string())
}

/// The refusal of an event, as its 400 would say it.
fn refusal(event: Value) -> String {
    match GatewayEvent::from_json(&event.to_string()) {
        Ok(event) => IncomingRequest::from_event(event).expect_err("refused").to_string(),
        Err(EventError::Malformed { error, .. }) => error.to_string(),
        Err(error) => panic!("an invocation error, not a 400: {error}"),
    }
}

fn http_event(raw_query: &str, body: Option<&str>, is_base64: bool) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/hooks/github",
        "rawQueryString": raw_query,
        "cookies": ["a=1", "b=2"],
        "headers": {"content-type": "application/json", "x-multi": "one,two"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "example.com",
            "domainPrefix": "example", "requestId": "req-v2", "routeKey": "$default",
            "stage": "$default", "time": "23/Nov/2026:12:00:00 +0000", "timeEpoch": 1,
            "http": {"method": "POST", "path": "/hooks/github", "protocol": "HTTP/1.1",
                     "sourceIp": "192.0.2.10", "userAgent": "curl"}
        },
        "body": body,
        "isBase64Encoded": is_base64
    })
}

fn rest_event() -> Value {
    json!({
        "resource": "/{proxy+}",
        "path": "/hooks/github",
        "httpMethod": "PUT",
        "headers": {"X-Repeat": "second", "Content-Type": "text/plain"},
        "multiValueHeaders": {"X-Repeat": ["first", "second"], "Content-Type": ["text/plain"]},
        "queryStringParameters": {"source": "mirror"},
        "multiValueQueryStringParameters": {"source": ["github", "mirror"]},
        "requestContext": {
            "accountId": "123456789012", "resourceId": "r", "stage": "prod", "requestId": "req-v1",
            "identity": {"sourceIp": "198.51.100.7"}, "resourcePath": "/{proxy+}",
            "httpMethod": "PUT", "apiId": "api", "path": "/prod/hooks/github"
        },
        "body": "hello",
        "isBase64Encoded": false
    })
}

/// A Function URL event as AWS documents it (`urls-invocation.html`, "Request payload format").
fn function_url_event() -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/my/path",
        "rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value",
        "cookies": ["cookie1", "cookie2"],
        "headers": {"header1": "value1", "header2": "value1,value2"},
        "queryStringParameters": {"parameter1": "value1,value2", "parameter2": "value"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "<urlid>", "authentication": null,
            "domainName": "<url-id>.lambda-url.us-west-2.on.aws", "domainPrefix": "<url-id>",
            "http": {"method": "POST", "path": "/my/path", "protocol": "HTTP/1.1",
                     "sourceIp": "123.123.123.123", "userAgent": "agent"},
            "requestId": "id", "routeKey": "$default", "stage": "$default",
            "time": "12/Mar/2020:19:03:58 +0000", "timeEpoch": 1583348638390_u64
        },
        "body": "Hello from client!",
        "pathParameters": null,
        "isBase64Encoded": false,
        "stageVariables": null
    })
}

/// An ALB event with multi-value headers off, as `aws_lambda_events` keeps AWS's example
/// (`example-alb-lambda-target-request-headers-only.json`), with an encoded query added.
fn alb_event() -> Value {
    json!({
        "requestContext": {"elb": {"targetGroupArn":
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-target/abcdefg"}},
        "httpMethod": "GET",
        "path": "/",
        "queryStringParameters": {"key": "hello%20world", "a%2Bb": "1+2"},
        "headers": {
            "accept": "*/*", "connection": "keep-alive",
            "host": "lambda-test-alb-1334523864.us-east-1.elb.amazonaws.com",
            "user-agent": "curl/7.54.0", "x-amzn-trace-id": "Root=1-5c34e93e-4dea0086f9763ac0667b115a",
            "x-forwarded-for": "25.12.198.67", "x-forwarded-port": "80", "x-forwarded-proto": "http",
            "x-imforwards": "20", "x-myheader": "123"
        },
        "isBase64Encoded": false
    })
}

/// The same with multi-value headers on (`example-alb-lambda-target-request-multivalue-headers.json`).
fn alb_multi_value_event() -> Value {
    json!({
        "requestContext": {"elb": {"targetGroupArn":
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-target/abcdefgh"}},
        "httpMethod": "GET",
        "path": "/",
        "multiValueQueryStringParameters": {"key": ["hello", "again%21"], "other": ["x"]},
        "multiValueHeaders": {
            "accept": ["*/*"], "connection": ["keep-alive"],
            "host": ["lambda-test-alb-1234567.us-east-1.elb.amazonaws.com"],
            "user-agent": ["curl/7.54.0"], "x-amzn-trace-id": ["Root=1-5c34e7d4-00ca239424b68028d4c56d68"],
            "x-forwarded-for": ["10.0.0.1, 72.21.198.67"], "x-forwarded-port": ["80"],
            "x-forwarded-proto": ["http"], "x-imforwards": ["20"], "x-myheader": ["123", "456"]
        },
        "body": "Some text",
        "isBase64Encoded": false
    })
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn http_api_event_keeps_query_order_repeats_and_folded_headers() {
    let request = parse(http_event("b=2&a=1&a=x%20y+z&flag", Some("{}"), false));
    assert_eq!(request.gateway, Gateway::Http);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hooks/github");
    assert_eq!(request.request_id.as_deref(), Some("req-v2"));
    assert_eq!(request.source_ip.as_deref(), Some("192.0.2.10"));
    let query: Vec<(&str, &str)> = request.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(query, [("b", "2"), ("a", "1"), ("a", "x y z"), ("flag", "")]);
    assert_eq!(request.headers.get("X-Multi"), Some("one,two"));
    assert_eq!(request.headers.get("cookie"), Some("a=1; b=2"));
    assert_eq!(request.body, b"{}");
}

#[test]
fn function_url_event_keeps_its_raw_query_and_its_cookies_once() {
    let request = parse(function_url_event());
    assert_eq!(request.gateway, Gateway::Http);
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/my/path"));
    assert_eq!(request.request_id.as_deref(), Some("id"));
    assert_eq!(request.source_ip.as_deref(), Some("123.123.123.123"));
    assert_eq!(
        request.query,
        pairs(&[
            ("parameter1", "value1"),
            ("parameter1", "value2"),
            ("parameter2", "value")
        ])
    );
    assert_eq!(
        *request.headers,
        pairs(&[
            ("header1", "value1"),
            ("header2", "value1,value2"),
            ("cookie", "cookie1; cookie2")
        ])
    );
    assert_eq!(request.body, b"Hello from client!");
}

/// A gateway that sends a `cookie` header as well as `cookies` must not have them stored twice.
#[test]
fn cookies_become_a_header_only_when_there_is_none() {
    let mut event = function_url_event();
    event["headers"]["Cookie"] = json!("cookie1; cookie2");
    let request = parse(event);
    let cookies: Vec<&str> = request.headers.get_all("cookie").collect();
    assert_eq!(cookies, ["cookie1; cookie2"]);

    let mut event = function_url_event();
    event["cookies"] = json!([]);
    assert_eq!(parse(event).headers.get("cookie"), None);
}

#[test]
fn base64_bodies_are_decoded_and_bad_base64_is_an_error() {
    let request = parse(http_event("", Some("/wDDKA=="), true));
    assert_eq!(request.body, [0xff, 0x00, 0xc3, 0x28]);
    let event = GatewayEvent::from_json(&http_event("", Some("%%%"), true).to_string()).unwrap();
    let error = IncomingRequest::from_event(event).unwrap_err();
    assert_eq!(error.field, "body");
}

#[test]
fn rest_api_event_keeps_repeated_headers_and_query_values() {
    let request = parse(rest_event());
    assert_eq!(request.gateway, Gateway::Rest);
    assert_eq!(request.method, "PUT");
    assert_eq!(request.path, "/hooks/github");
    let repeats: Vec<&str> = request
        .headers
        .iter()
        .filter(|(name, _)| name == "x-repeat")
        .map(|(_, value)| value.as_str())
        .collect();
    assert_eq!(repeats, ["first", "second"]);
    assert_eq!(
        request.query,
        [("source".into(), "github".into()), ("source".into(), "mirror".into())]
    );
    assert_eq!(request.source_ip.as_deref(), Some("198.51.100.7"));
    assert_eq!(request.body, b"hello");
}

#[test]
fn rest_api_event_without_multi_value_maps_reads_the_single_value_ones() {
    let request = parse_text(
        r#"{"httpMethod": "POST", "path": "/hooks/x",
            "headers": {"X-Repeat": "second", "Content-Type": "text/plain"},
            "multiValueHeaders": null,
            "queryStringParameters": {"source": "mirror", "job": "build"},
            "multiValueQueryStringParameters": null,
            "requestContext": {"requestId": "req", "identity": {"sourceIp": "198.51.100.7"}},
            "body": null, "isBase64Encoded": false}"#,
    );
    assert_eq!(
        *request.headers,
        pairs(&[("x-repeat", "second"), ("content-type", "text/plain")])
    );
    assert_eq!(request.query, pairs(&[("source", "mirror"), ("job", "build")]));
}

#[test]
fn alb_event_decodes_its_query_and_finds_the_caller_in_x_forwarded_for() {
    let request = parse(alb_event());
    assert_eq!(
        request.gateway,
        Gateway::Alb {
            multi_value_headers: false
        }
    );
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", "/"));
    assert_eq!(request.request_id, None);
    assert_eq!(
        request.query,
        pairs(&[("a+b", "1 2"), ("key", "hello world")]),
        "in json!'s order"
    );
    assert_eq!(request.headers.len(), 10);
    assert_eq!(request.headers[0], ("accept".to_owned(), "*/*".to_owned()));
    assert_eq!(request.headers.get("x-myheader"), Some("123"));
    assert_eq!(request.source_ip.as_deref(), Some("25.12.198.67"));
    assert!(request.body.is_empty());
}

/// ALB writes the single-value maps in the order the caller sent them; that order is kept.
#[test]
fn alb_event_keeps_the_order_of_its_maps() {
    let request = parse_text(
        r#"{"requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1"}},
            "httpMethod": "POST", "path": "/hooks/x",
            "queryStringParameters": {"zeta": "1", "alpha": "caf%C3%A9"},
            "headers": {"x-forwarded-for": "203.0.113.9", "content-type": "text/plain"},
            "body": "", "isBase64Encoded": false}"#,
    );
    assert_eq!(request.query, pairs(&[("zeta", "1"), ("alpha", "café")]));
    assert_eq!(
        *request.headers,
        pairs(&[("x-forwarded-for", "203.0.113.9"), ("content-type", "text/plain")])
    );
}

#[test]
fn alb_event_with_multi_value_headers_keeps_every_value() {
    let request = parse(alb_multi_value_event());
    assert_eq!(
        request.gateway,
        Gateway::Alb {
            multi_value_headers: true
        }
    );
    assert_eq!(
        request.query,
        pairs(&[("key", "hello"), ("key", "again!"), ("other", "x")])
    );
    let values: Vec<&str> = request.headers.get_all("x-myheader").collect();
    assert_eq!(values, ["123", "456"]);
    assert_eq!(request.source_ip.as_deref(), Some("72.21.198.67"));
    assert_eq!(request.body, b"Some text");
}

/// The shape is found by the fields only it has, so a REST-looking field in another shape misleads
/// nothing.
#[test]
fn the_shape_is_found_by_its_discriminating_fields() {
    let shape = |event: Value| GatewayEvent::from_json(&event.to_string()).unwrap().gateway();
    assert_eq!(shape(rest_event()), Gateway::Rest);
    assert_eq!(shape(function_url_event()), Gateway::Http);
    let mut version_only = function_url_event();
    version_only["requestContext"]["http"]["method"] = json!("GET");
    version_only["httpMethod"] = json!("POST");
    assert_eq!(shape(version_only), Gateway::Http);
    assert!(matches!(shape(alb_event()), Gateway::Alb { .. }));
}

#[test]
fn methods_are_upper_cased_and_must_be_tokens() {
    let mut event = function_url_event();
    event["requestContext"]["http"]["method"] = json!("post");
    assert_eq!(parse(event).method, "POST");
    let mut event = alb_event();
    event["httpMethod"] = json!("patch");
    assert_eq!(parse(event).method, "PATCH");

    let mut event = function_url_event();
    event["requestContext"]["http"]["method"] = json!("PO ST");
    assert_eq!(refusal(event), "requestContext.http.method: not an HTTP method token");
    let mut event = rest_event();
    event["httpMethod"] = json!("");
    assert_eq!(refusal(event), "httpMethod: not an HTTP method token");
}

#[test]
fn cr_lf_and_nul_in_header_names_and_values_are_refused() {
    for bad in ["a\r\nx-injected: 1", "a\nb", "a\0b"] {
        let mut event = function_url_event();
        event["headers"]["x-evil"] = json!(bad);
        assert_eq!(refusal(event), "headers.x-evil: contains CR, LF or NUL", "{bad:?}");

        let mut event = rest_event();
        event["multiValueHeaders"]["X-Evil"] = json!(["fine", bad]);
        assert_eq!(refusal(event), "multiValueHeaders.X-Evil: contains CR, LF or NUL");

        let mut event = alb_event();
        event["headers"] = json!({ format!("x{bad}"): "value" });
        assert!(refusal(event).ends_with(": contains CR, LF or NUL"));

        let mut event = function_url_event();
        event["headers"].as_object_mut().unwrap().remove("cookie");
        event["cookies"] = json!([bad]);
        assert_eq!(refusal(event), "cookies: contains CR, LF or NUL");
    }
}

#[test]
fn malformed_events_name_the_field() {
    let without = |mut event: Value, path: &[&str]| {
        let (last, parents) = path.split_last().unwrap();
        let mut object = &mut event;
        for key in parents {
            object = &mut object[*key];
        }
        object.as_object_mut().unwrap().remove(*last);
        event
    };
    let cases = [
        (
            without(function_url_event(), &["requestContext", "http", "method"]),
            "requestContext.http.method: missing",
        ),
        (
            without(http_event("", None, false), &["requestContext", "http"]),
            "requestContext.http: missing",
        ),
        (
            {
                let mut event = rest_event();
                event["httpMethod"] = json!(7);
                event
            },
            "httpMethod: invalid type: integer `7`, expected a string",
        ),
        (without(alb_event(), &["httpMethod"]), "httpMethod: missing"),
        (
            {
                let mut event = alb_multi_value_event();
                event["multiValueHeaders"]["accept"] = json!("*/*");
                event
            },
            "multiValueHeaders.accept: invalid type: string \"*/*\", expected a sequence",
        ),
        (
            {
                let mut event = function_url_event();
                event["isBase64Encoded"] = json!("yes");
                event
            },
            "isBase64Encoded: invalid type: string \"yes\", expected a boolean",
        ),
    ];
    for (event, expected) in cases {
        assert_eq!(refusal(event), expected);
    }
}

/// A malformed event is answered in its gateway's shape, when its shape is known.
#[test]
fn malformed_events_know_their_gateway() {
    let gateway = |event: Value| match GatewayEvent::from_json(&event.to_string()) {
        Err(EventError::Malformed { gateway, .. }) => gateway,
        other => panic!("{other:?}"),
    };
    let mut event = alb_multi_value_event();
    event["httpMethod"] = Value::Null;
    assert_eq!(
        gateway(event),
        Gateway::Alb {
            multi_value_headers: true
        }
    );
    let mut event = function_url_event();
    event["requestContext"]["http"]["method"] = Value::Null;
    assert_eq!(gateway(event), Gateway::Http);
    assert_eq!(gateway(json!({"hello": "world"})), Gateway::Rest);
}

#[test]
fn named_stages_are_stripped_from_http_api_paths() {
    assert_eq!(strip_stage("/dev/hooks/x", Some("dev")), "/hooks/x");
    assert_eq!(strip_stage("/dev", Some("dev")), "/");
    assert_eq!(strip_stage("/development/x", Some("dev")), "/development/x");
    assert_eq!(strip_stage("/hooks/x", Some("$default")), "/hooks/x");
    assert_eq!(strip_stage("/hooks/x", None), "/hooks/x");
}

/// An object without the fields of any shape is answered 400; JSON that is no object is no event at
/// all and fails the invocation. Both say what was expected.
#[test]
fn something_that_is_no_gateway_event_is_refused() {
    for event in ["{\"hello\": \"world\"}", "[1, 2]", "\"text\"", "null"] {
        let error = GatewayEvent::from_json(event).unwrap_err();
        assert!(error.to_string().contains(NOT_A_GATEWAY_EVENT), "{error}");
        let is_object = event.starts_with('{');
        assert_eq!(matches!(error, EventError::Malformed { .. }), is_object, "{event}");
    }
}

#[test]
fn error_reply_has_json_body_and_allow_header_in_both_shapes() {
    let reply = Reply::error(405, "POST only", "req-1").with_allow(&["POST", "PUT"]);
    for gateway in [Gateway::Rest, Gateway::Http] {
        let json = serde_json::to_value(reply.clone().into_gateway_response(gateway)).unwrap();
        assert_eq!(json["statusCode"], 405);
        assert_eq!(json["headers"]["allow"], "POST, PUT");
        assert_eq!(json["headers"]["content-type"], "application/json");
        let body: Value = serde_json::from_str(json["body"].as_str().unwrap()).unwrap();
        assert_eq!(body, json!({"error": "POST only", "request_id": "req-1"}));
        assert_eq!(json.get("cookies").is_some(), gateway == Gateway::Http, "{json}");
    }
}

/// ALB needs `statusDescription` and headers in the kind of map its event used.
#[test]
fn alb_replies_have_a_status_description_and_the_events_kind_of_headers() {
    let reply = Reply::json(202, &json!({"id": "x"}));
    let single = serde_json::to_value(reply.clone().into_gateway_response(Gateway::Alb {
        multi_value_headers: false,
    }))
    .unwrap();
    assert_eq!(
        single,
        json!({"statusCode": 202, "statusDescription": "202 Accepted",
               "headers": {"content-type": "application/json"},
               "body": "{\"id\":\"x\"}", "isBase64Encoded": false})
    );
    let multi = serde_json::to_value(
        Reply::error(405, "no", "r")
            .with_allow(&["POST"])
            .into_gateway_response(Gateway::Alb {
                multi_value_headers: true,
            }),
    )
    .unwrap();
    assert_eq!(multi["statusDescription"], "405 Method Not Allowed");
    assert_eq!(
        multi["multiValueHeaders"],
        json!({"content-type": ["application/json"], "allow": ["POST"]})
    );
    assert!(multi.get("headers").is_none(), "{multi}");
}

#[test]
fn http_api_events_carry_their_authorizer_and_other_shapes_none() {
    let mut event = http_event("", None, false);
    assert_eq!(parse(event.clone()).authorizer, None);
    let iam = json!({"iam": {"accountId": "123456789012", "userArn": "arn:aws:iam::123456789012:user/alice"}});
    event["requestContext"]["authorizer"] = iam.clone();
    assert_eq!(parse(event).authorizer, Some(iam));
    assert_eq!(parse(rest_event()).authorizer, None);
}

#[test]
fn empty_replies_have_no_body_and_no_content_type() {
    let json = serde_json::to_value(Reply::empty(204).into_gateway_response(Gateway::Http)).unwrap();
    assert_eq!(json["statusCode"], 204);
    assert_eq!(json["body"], "");
    assert!(json["headers"].get("content-type").is_none(), "{json}");
}

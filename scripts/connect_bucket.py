"""Connects an existing S3 bucket to the s3-concourse function: adds (or replaces, or removes) one
Lambda notification configuration, identified by its Id, and keeps every other notification of the
bucket as it is.

S3 has no call that adds one notification: PutBucketNotificationConfiguration replaces the whole set,
so a naive `aws s3api put-bucket-notification-configuration` silently drops the bucket's other
notifications. This reads the set, changes only our entry, refuses to write a set S3 would reject
(two configurations for the same event whose prefixes and suffixes overlap), and writes it back.

Credentials and region come from the usual AWS environment (profile, AWS_REGION, AWS_ENDPOINT_URL for
a local stand-in such as moto).
"""

import argparse
import json
import sys

import boto3
from botocore.exceptions import BotoCoreError, ClientError

DEFAULT_ID = "hookbox-s3-concourse"
DEFAULT_OUTPUT = "S3ConcourseFunctionArn"
CONFIGURATION_KINDS = {
    "LambdaFunctionConfigurations": "LambdaFunctionArn",
    "QueueConfigurations": "QueueArn",
    "TopicConfigurations": "TopicArn",
}


def main():
    args = parse_args()
    try:
        session = boto3.session.Session(region_name=args.region)
        s3 = session.client("s3")
        function_arn = args.function_arn or stack_output(session, args.stack, args.output)
        current = s3.get_bucket_notification_configuration(Bucket=args.bucket)
        current.pop("ResponseMetadata", None)
        wanted = updated(current, args, function_arn)
        if not args.remove:
            clash = overlapping(wanted, args.id)
            if clash:
                fail(f"the bucket's notification {clash!r} already sends ObjectCreated events for keys this "
                     "one would match, and S3 refuses overlapping configurations: narrow one of them with "
                     "--prefix/--suffix, or point that one at an SNS topic both can subscribe to")
        if args.dry_run:
            print(json.dumps(wanted, indent=2, sort_keys=True))
            return
        s3.put_bucket_notification_configuration(Bucket=args.bucket, NotificationConfiguration=wanted)
        written = s3.get_bucket_notification_configuration(Bucket=args.bucket)
        written.pop("ResponseMetadata", None)
    except (ClientError, BotoCoreError) as error:
        fail(str(error))
    kept = sum(len(written.get(kind, [])) for kind in CONFIGURATION_KINDS) - (0 if args.remove else 1)
    verb = "removed from" if args.remove else "connected to"
    print(f"{args.id}: {verb} s3://{args.bucket} ({function_arn or 'no function'}); "
          f"{kept} other notification(s) kept")


def parse_args():
    parser = argparse.ArgumentParser(prog="scripts/connect-bucket", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bucket", required=True, help="the bucket to connect")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--function-arn", help="the s3-concourse function's ARN")
    target.add_argument("--stack", help="read the ARN from this stack's outputs")
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help=f"the stack output to read (default {DEFAULT_OUTPUT})")
    parser.add_argument("--region", help="the bucket's and the stack's region (default: the AWS environment's)")
    parser.add_argument("--prefix", default="", help="only keys that start with this")
    parser.add_argument("--suffix", default="", help="only keys that end with this")
    parser.add_argument("--id", default=DEFAULT_ID, help=f"the notification's Id (default {DEFAULT_ID})")
    parser.add_argument("--remove", action="store_true", help="remove the notification instead")
    parser.add_argument("--dry-run", action="store_true", help="print the configuration instead of writing it")
    args = parser.parse_args()
    if not args.remove and not (args.function_arn or args.stack):
        parser.error("give --function-arn or --stack (or --remove)")
    return args


def stack_output(session, stack, output):
    if not stack:
        return None
    answer = session.client("cloudformation").describe_stacks(StackName=stack)
    for item in answer["Stacks"][0].get("Outputs", []):
        if item["OutputKey"] == output:
            return item["OutputValue"]
    fail(f"stack {stack} has no output {output}")


def updated(current, args, function_arn):
    """The bucket's configuration with ours replaced (or removed), everything else untouched."""
    wanted = {key: value for key, value in current.items() if value}
    lambdas = [c for c in wanted.get("LambdaFunctionConfigurations", []) if c.get("Id") != args.id]
    if not args.remove:
        ours = {"Id": args.id, "LambdaFunctionArn": function_arn, "Events": ["s3:ObjectCreated:*"]}
        rules = [{"Name": name, "Value": value} for name, value in (("prefix", args.prefix), ("suffix", args.suffix)) if value]
        if rules:
            ours["Filter"] = {"Key": {"FilterRules": rules}}
        lambdas.append(ours)
    if lambdas:
        wanted["LambdaFunctionConfigurations"] = lambdas
    else:
        wanted.pop("LambdaFunctionConfigurations", None)
    return wanted


def overlapping(configuration, our_id):
    """The Id of another configuration S3 would call overlapping with ours, if any."""
    entries = [(kind, entry) for kind in CONFIGURATION_KINDS for entry in configuration.get(kind, [])]
    ours = next((entry for kind, entry in entries
                 if kind == "LambdaFunctionConfigurations" and entry.get("Id") == our_id), None)
    if ours is None:
        return None
    prefix, suffix = key_filter(ours)
    for _, other in entries:
        if other is ours or not any(created(event) for event in other.get("Events", [])):
            continue
        other_prefix, other_suffix = key_filter(other)
        if (prefix.startswith(other_prefix) or other_prefix.startswith(prefix)) and (
            suffix.endswith(other_suffix) or other_suffix.endswith(suffix)
        ):
            return other.get("Id", "(no Id)")
    return None


def created(event):
    return event in ("s3:ObjectCreated:*", "s3:*") or event.startswith("s3:ObjectCreated:")


def key_filter(entry):
    rules = entry.get("Filter", {}).get("Key", {}).get("FilterRules", [])
    values = {rule["Name"].lower(): rule["Value"] for rule in rules}
    return values.get("prefix", ""), values.get("suffix", "")


def fail(message):
    print(f"connect-bucket: {message}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()

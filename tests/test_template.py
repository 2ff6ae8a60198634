"""The SAM template as CloudFormation receives it: transformed by the SAM translator that `sam deploy`
runs (from the SAM CLI in the project venv), then checked for what a deployment on the defaults must
give. Run with the venv's Python: `python -m unittest discover -s tests` (scripts/test does).
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import unittest

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"

# Resources whose deletion loses webhooks or their history.
STATEFUL = {"AWS::SQS::Queue", "AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::DynamoDB::Table"}


class _NoManagedPolicies:
    """The template names no AWS managed policy, so the translator never needs IAM's list."""

    def load(self):
        return {}


def sam_template():
    return yaml_parse(TEMPLATE.read_text(encoding="utf-8"))


def cloudformation():
    """The transformed template. `sam validate` and `sam deploy` replace local CodeUri folders with
    the uploaded zip's S3 address before the transform; so does this."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    document = sam_template()
    document["Globals"]["Function"]["CodeUri"] = "s3://bucket/code.zip"
    return transform(document, {}, _NoManagedPolicies())


def evaluate(expression, parameters, conditions=None):
    """The value of a condition or rule expression for the given parameter values (the intrinsic
    functions Rules and Conditions allow that this template uses)."""
    if not isinstance(expression, dict):
        return expression
    (name, argument), = expression.items()
    if name == "Ref":
        return parameters[argument]
    if name == "Condition":
        return evaluate(conditions[argument], parameters, conditions)
    if name == "Fn::Equals":
        left, right = (evaluate(a, parameters, conditions) for a in argument)
        return left == right
    if name == "Fn::Not":
        return not evaluate(argument[0], parameters, conditions)
    if name == "Fn::Or":
        return any(evaluate(a, parameters, conditions) for a in argument)
    if name == "Fn::And":
        return all(evaluate(a, parameters, conditions) for a in argument)
    if name == "Fn::Join":
        separator, values = argument
        values = evaluate(values, parameters, conditions)
        return separator.join(values if isinstance(values, list) else [values])
    raise AssertionError(f"unsupported in this test: {name}")


class Template(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sam = sam_template()
        cls.cfn = cloudformation()
        cls.resources = cls.cfn["Resources"]
        cls.defaults = {name: p.get("Default") for name, p in cls.cfn["Parameters"].items()}
        # CommaDelimitedList parameters are lists to the intrinsic functions.
        for name, parameter in cls.cfn["Parameters"].items():
            if parameter["Type"] == "CommaDelimitedList":
                cls.defaults[name] = [v for v in (parameter.get("Default") or "").split(",") if v]

    def deployed(self, parameters=None):
        """The logical ids of the resources a deploy with these parameter values creates."""
        values = {**self.defaults, **(parameters or {})}
        conditions = self.cfn.get("Conditions", {})
        return {
            logical_id
            for logical_id, resource in self.resources.items()
            if "Condition" not in resource or evaluate(conditions[resource["Condition"]], values, conditions)
        }

    def rule_failures(self, parameters):
        """The AssertDescription of every rule a deploy with these parameter values breaks."""
        values = {**self.defaults, **parameters}
        failures = []
        for rule in self.cfn.get("Rules", {}).values():
            if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], values):
                continue
            for assertion in rule["Assertions"]:
                if not evaluate(assertion["Assert"], values):
                    failures.append(assertion["AssertDescription"])
        return failures

    def functions(self, deployed):
        return {r for r in deployed if self.resources[r]["Type"] == "AWS::Lambda::Function"}

    def test_the_defaults_deploy_the_mailbox_alone(self):
        deployed = self.deployed()
        self.assertEqual(self.functions(deployed), {"EnqueueFunction"})
        self.assertEqual(self.rule_failures({}), [])
        self.assertNotIn("S3ConcourseFailedEvents", deployed)
        # And nothing a notifier brings comes along: its log group, permissions, role.
        self.assertFalse({r for r in deployed if "Concourse" in r}, deployed)

    def test_each_notifier_is_a_choice(self):
        github = self.deployed({"EnableGitHubNotifier": "true", "GitHubWebhookSecrets": "s"})
        self.assertEqual(self.functions(github), {"EnqueueFunction", "GitHubConcourseFunction"})
        self.assertIn("GitHubConcourseLogGroup", github)
        s3 = self.deployed({"EnableS3Notifier": "true"})
        self.assertEqual(self.functions(s3), {"EnqueueFunction", "S3ConcourseFunction"})
        self.assertTrue({"S3ConcourseFailedEvents", "S3ConcourseInvokePermission", "S3ConcourseLogGroup"} <= s3)

    def test_the_github_notifier_route_exists_only_with_the_notifier(self):
        paths = self.resources["HttpApi"]["Properties"]["Body"]["paths"]
        route = paths["/github-concourse"]
        self.assertEqual(route["Fn::If"][0], "WithGitHubNotifier", route)

    def test_a_github_notifier_without_a_secret_fails_the_deploy(self):
        failures = self.rule_failures({"EnableGitHubNotifier": "true"})
        self.assertEqual(len(failures), 1, failures)
        self.assertIn("GitHubWebhookSecrets", failures[0])
        self.assertEqual(self.rule_failures({"EnableGitHubNotifier": "true", "GitHubWebhookSecrets": "s"}), [])
        self.assertEqual(
            self.rule_failures({"EnableGitHubNotifier": "true", "ConcourseSecretArn": "arn:aws:secretsmanager:x"}),
            [],
        )

    def test_a_notifier_vpc_needs_security_groups(self):
        failures = self.rule_failures({"ConcourseSubnetIds": ["subnet-1"]})
        self.assertEqual(len(failures), 1, failures)
        self.assertEqual(self.rule_failures({"ConcourseSubnetIds": ["subnet-1"], "ConcourseSecurityGroupIds": ["sg-1"]}), [])

    def test_a_public_function_url_grants_both_permissions_aws_requires(self):
        deployed = self.deployed({"EnableFunctionUrl": "true"})
        permissions = [
            self.resources[r]["Properties"]
            for r in deployed
            if self.resources[r]["Type"] == "AWS::Lambda::Permission"
            and self.resources[r].get("Condition") == "WithFunctionUrl"
        ]
        actions = {p["Action"]: p for p in permissions}
        self.assertEqual(set(actions), {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"})
        self.assertEqual(actions["lambda:InvokeFunctionUrl"]["FunctionUrlAuthType"], "NONE")
        self.assertIs(actions["lambda:InvokeFunction"]["InvokedViaFunctionUrl"], True)
        for permission in permissions:
            self.assertEqual(permission["Principal"], "*")
            self.assertEqual(permission["FunctionName"], {"Ref": "EnqueueFunction"})
        url = self.resources["EnqueueFunctionUrl"]["Properties"]
        self.assertEqual(url["AuthType"], "NONE")
        self.assertNotIn("EnqueueFunctionUrl", self.deployed())

    def test_queues_buckets_and_log_groups_are_retained(self):
        stateful = [r for r, v in self.resources.items() if v["Type"] in STATEFUL]
        self.assertGreaterEqual(len(stateful), 8, stateful)
        for logical_id in stateful:
            resource = self.resources[logical_id]
            self.assertEqual(resource.get("DeletionPolicy"), "Retain", logical_id)
            self.assertEqual(resource.get("UpdateReplacePolicy"), "Retain", logical_id)

    def test_functions_share_the_globals(self):
        self.assertIn("Globals", self.sam)
        for logical_id in ("EnqueueFunction", "GitHubConcourseFunction", "S3ConcourseFunction"):
            properties = self.resources[logical_id]["Properties"]
            self.assertEqual(properties["Runtime"], "provided.al2023", logical_id)
            self.assertEqual(properties["Architectures"], ["arm64"], logical_id)
            self.assertEqual(properties["Handler"], "bootstrap", logical_id)
            self.assertEqual(properties["LoggingConfig"]["LogFormat"], "JSON", logical_id)
            self.assertIn("LogGroup", properties["LoggingConfig"], logical_id)
            # In the SAM template, once: in Globals.
            self.assertNotIn("Runtime", self.sam["Resources"][logical_id]["Properties"], logical_id)

    def test_the_mailbox_url_takes_a_path_without_a_double_slash(self):
        value = self.cfn["Outputs"]["MailboxUrl"]["Value"]["Fn::Sub"]
        self.assertTrue(value.startswith("https://"), value)
        self.assertFalse(value.endswith("/"), value)

    def test_local_env_vars_name_only_variables_the_template_declares(self):
        # `sam local invoke --env-vars` overrides only declared variables: an undeclared one would be
        # silently ignored, and the local run would talk to AWS instead of the stand-ins.
        local = json.loads((ROOT / "events" / "local-env.json").read_text(encoding="utf-8"))
        declared = {
            logical_id: set(self.resources[logical_id]["Properties"]["Environment"]["Variables"])
            for logical_id in ("EnqueueFunction", "GitHubConcourseFunction", "S3ConcourseFunction")
        }
        for name in local["Parameters"]:
            # Shared values: at least one function must use each.
            self.assertTrue(any(name in variables for variables in declared.values()), name)
        for endpoint in ("AWS_ENDPOINT_URL", "HOOKBOX_S3_FORCE_PATH_STYLE"):
            for logical_id, variables in declared.items():
                self.assertIn(endpoint, variables, logical_id)
                self.assertEqual(self.resources[logical_id]["Properties"]["Environment"]["Variables"][endpoint], "")
        for logical_id, variables in local.items():
            if logical_id == "Parameters":
                continue
            self.assertLessEqual(set(variables), declared[logical_id], logical_id)
        for logical_id in ("GitHubConcourseFunction", "S3ConcourseFunction"):
            self.assertIn("HOOKBOX_CONCOURSE_URL", declared[logical_id])

    def test_the_relay_may_handle_dead_letters_but_not_purge_them(self):
        statements = self.resources["RelayPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        on_dlq = {
            action
            for statement in statements
            if statement["Resource"] == {"Fn::GetAtt": ["MailboxDeadLetterQueue", "Arn"]}
            for action in statement["Action"]
        }
        self.assertEqual(on_dlq, {
            "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes", "sqs:ListDeadLetterSourceQueues",
        })
        sends = [s for s in statements if s["Action"] == "sqs:SendMessage"]
        self.assertEqual([s["Resource"] for s in sends], [{"Fn::GetAtt": ["MailboxQueue", "Arn"]}])
        self.assertNotIn("sqs:PurgeQueue", json.dumps(statements))

    def test_the_alarms_watch_what_goes_wrong(self):
        alarms = {
            logical_id: resource["Properties"]
            for logical_id, resource in self.resources.items()
            if resource["Type"] == "AWS::CloudWatch::Alarm"
        }
        expected = {
            # name: (namespace, metric, the dimension's value)
            "MailboxBackingUpAlarm": ("AWS/SQS", "ApproximateAgeOfOldestMessage", {"Fn::GetAtt": ["MailboxQueue", "QueueName"]}),
            "MailboxDeadLettersAlarm": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"Fn::GetAtt": ["MailboxDeadLetterQueue", "QueueName"]}),
            "S3NotifierFailedEventsAlarm": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"Fn::GetAtt": ["S3ConcourseFailedEvents", "QueueName"]}),
            "HttpApi5xxAlarm": ("AWS/ApiGateway", "5xx", {"Ref": "HttpApi"}),
        }
        for function in ("Enqueue", "GitHubConcourse", "S3Concourse"):
            for metric in ("Errors", "Throttles"):
                expected[f"{function}{metric}Alarm"] = ("AWS/Lambda", metric, {"Ref": f"{function}Function"})
        self.assertLessEqual(set(expected), set(alarms))
        for name, (namespace, metric, dimension) in expected.items():
            alarm = alarms[name]
            self.assertEqual((alarm["Namespace"], alarm["MetricName"]), (namespace, metric), name)
            self.assertEqual([d["Value"] for d in alarm["Dimensions"]], [dimension], name)
            self.assertEqual(alarm["ComparisonOperator"], "GreaterThanThreshold", name)
            # Both optional destinations, each only when given.
            self.assertEqual(len(alarm["AlarmActions"]), 2, name)
        self.assertEqual(alarms["MailboxBackingUpAlarm"]["Threshold"], {"Ref": "MailboxAgeAlarmSeconds"})
        # A notifier's alarms come and go with it.
        deployed = self.deployed()
        self.assertNotIn("GitHubConcourseErrorsAlarm", deployed)
        self.assertNotIn("S3NotifierFailedEventsAlarm", deployed)
        self.assertIn("S3NotifierFailedEventsAlarm", self.deployed({"EnableS3Notifier": "true"}))
        self.assertNotIn("AlarmEmailTopic", deployed)
        self.assertIn("AlarmEmailTopic", self.deployed({"AlarmEmail": "ops@example.com"}))

    def render(self, value, parameters):
        """A string property as CloudFormation would make it, with each ${Name} left as its name."""
        values = {**self.defaults, **parameters}
        conditions = self.cfn.get("Conditions", {})
        if isinstance(value, str):
            return value
        (name, argument), = value.items()
        if name == "Fn::Join":
            separator, parts = argument
            return separator.join(self.render(part, parameters) for part in parts)
        if name == "Fn::If":
            condition, then, otherwise = argument
            chosen = then if evaluate(conditions[condition], values, conditions) else otherwise
            return self.render(chosen, parameters)
        if name == "Fn::Sub":
            return re.sub(r"\$\{([^}]+)\}", lambda m: m.group(1), argument)
        raise AssertionError(f"unsupported in this test: {name}")

    def test_the_dashboard_shows_the_mailbox_and_each_deployed_notifier(self):
        dashboard = self.resources["Dashboard"]["Properties"]["DashboardBody"]
        for parameters, functions in [
            ({}, {"enqueue"}),
            ({"EnableGitHubNotifier": "true", "EnableS3Notifier": "true"}, {"enqueue", "github-concourse", "s3-concourse"}),
        ]:
            body = json.loads(self.render(dashboard, parameters))
            text = json.dumps(body)
            for function in ("enqueue", "github-concourse", "s3-concourse"):
                self.assertEqual(f'Function=\\"{function}\\"' in text or f'"Function", "{function}"' in text,
                                 function in functions, (function, parameters))
            for metric in ("ApproximateAgeOfOldestMessage", "Requests", "Refused", "SqsTime", "S3Time", "5xx"):
                self.assertIn(metric, text)
            for widget in body["widgets"]:
                self.assertEqual(widget["type"], "metric")
                self.assertTrue(widget["properties"]["metrics"], widget)

    def test_hooks_are_a_choice_with_iam_or_jwt(self):
        defaults = self.deployed()
        self.assertFalse({r for r in defaults if r.startswith("Hooks")}, defaults)
        iam = self.deployed({"EnableHooks": "true"})
        self.assertEqual(self.functions(iam), {"EnqueueFunction", "HooksApiFunction"})
        self.assertTrue({"HooksTable", "HooksApiLogGroup", "HooksTeamPolicy"} <= iam, iam)
        self.assertNotIn("HooksJwtApi", iam)
        jwt_parameters = {"EnableHooks": "true", "HooksJwtIssuer": "https://issuer.example.com", "HooksJwtAudience": "c"}
        jwt = self.deployed(jwt_parameters)
        self.assertEqual(self.functions(jwt), {"EnqueueFunction", "HooksApiJwtFunction"})
        self.assertTrue({"HooksTable", "HooksJwtApi"} <= jwt, jwt)
        self.assertNotIn("HooksTeamPolicy", jwt)
        self.assertEqual(self.rule_failures(jwt_parameters), [])
        failures = self.rule_failures({"HooksJwtIssuer": "https://issuer.example.com"})
        self.assertEqual(len(failures), 1, failures)
        self.assertIn("HooksJwtAudience", failures[0])

    def test_the_hooks_table_is_on_demand_recoverable_and_protected(self):
        table = self.resources["HooksTable"]
        properties = table["Properties"]
        self.assertEqual(properties["BillingMode"], "PAY_PER_REQUEST")
        self.assertIs(properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], True)
        self.assertEqual(properties["DeletionProtectionEnabled"], {"Ref": "HooksTableDeletionProtection"})
        self.assertEqual(self.defaults["HooksTableDeletionProtection"], "true")
        keys = {k["AttributeName"]: k["KeyType"] for k in properties["KeySchema"]}
        self.assertEqual(keys, {"pk": "HASH", "sk": "RANGE"})

    def test_the_management_api_is_signed_and_deliveries_are_open(self):
        def operations(api):
            """path → (method key, its security) of an API's body, conditions unwrapped."""
            found = {}
            for path, item in self.resources[api]["Properties"]["Body"]["paths"].items():
                while "Fn::If" in item:
                    item = item["Fn::If"][1]
                for method, operation in item.items():
                    while "Fn::If" in operation:
                        operation = operation["Fn::If"][1]
                    found[path] = (method, operation.get("security"))
            return found
        main = operations("HttpApi")
        for path in ("/wh/config", "/wh/config/{token}"):
            self.assertEqual(main[path], ("x-amazon-apigateway-any-method", [{"AWS_IAM": []}]), path)
        self.assertEqual(main["/wh/{apiToken}/{token}"], ("post", None))
        self.assertEqual(main["/{proxy+}"][1], None, "the mailbox stays open")
        jwt = operations("HooksJwtApi")
        for path in ("/wh/config", "/wh/config/{token}"):
            self.assertEqual(jwt[path][1], [{"HooksJwt": []}], path)

    def test_hooks_permissions_are_least_privilege(self):
        def statements(role):
            found = []
            for policy in self.resources[role]["Properties"]["Policies"]:
                while "Fn::If" in policy:
                    policy = policy["Fn::If"][1]
                found += policy["PolicyDocument"]["Statement"]
            return found
        table = {"Fn::GetAtt": ["HooksTable", "Arn"]}
        enqueue = [s for s in statements("EnqueueFunctionRole") if "dynamodb" in json.dumps(s)]
        self.assertEqual([(s["Action"], s["Resource"]) for s in enqueue], [("dynamodb:GetItem", table)])
        crud = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"}
        for role in ("HooksApiFunctionRole", "HooksApiJwtFunctionRole"):
            granted = [s for s in statements(role) if "dynamodb" in json.dumps(s)]
            self.assertEqual([(set(s["Action"]), s["Resource"]) for s in granted], [(crud, table)], role)
        variables = self.resources["EnqueueFunction"]["Properties"]["Environment"]["Variables"]
        self.assertEqual(variables["HOOKBOX_HOOKS_TABLE"], {"Fn::If": ["WithHooks", {"Ref": "HooksTable"}, ""]})
        self.assertEqual(variables["HOOKBOX_HOOKS_CACHE_SECONDS"], {"Ref": "HooksCacheSeconds"})
        team = self.resources["HooksTeamPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        self.assertEqual([s["Action"] for s in team], ["execute-api:Invoke"])
        resources = [r["Fn::Sub"] for r in team[0]["Resource"]]
        self.assertTrue(all(r.endswith(("/wh/config", "/wh/config/*")) for r in resources), resources)
        self.assertIn("HooksApiUrl", self.cfn["Outputs"])
        self.assertIn("HooksTeamPolicyArn", self.cfn["Outputs"])

    def test_cfn_lint_is_clean_with_its_informational_checks(self):
        lint = pathlib.Path(sys.executable).parent / "cfn-lint"
        result = subprocess.run(
            [str(lint), "-t", str(TEMPLATE), "--include-checks", "I"],
            capture_output=True, text=True, check=False,
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main()

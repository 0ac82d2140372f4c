#!/usr/bin/env python3
"""Conformance run of the local AWS endpoint with a second, independent client: boto3 (botocore).

Seeds the endpoint through its admin API, then drives every served action with boto3 and compares each answer
with what AWS documents for it (the page is named beside each check). Client-side parameter validation is off,
so every limit is checked by the endpoint, as AWS checks it. Prints one line per check and exits 1 when any
answer differs from the documented one.

    npm run conformance                       # starts its own endpoint
    npm run conformance -- --endpoint-url URL  # or drives one already running (npm run local-aws)
    python3 local-aws/conformance/conformance.py --endpoint-url http://127.0.0.1:4566 [--json]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from datetime import datetime, timedelta, timezone

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

EC2_API = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference"
CW_API = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference"
EB_API = "https://docs.aws.amazon.com/eventbridge/latest/APIReference"
DDB_API = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference"
STS_API = "https://docs.aws.amazon.com/STS/latest/APIReference"
RAM_API = "https://docs.aws.amazon.com/ram/latest/APIReference"
HUB = "123456789012"
SPOKE = "333333333333"
SPOKE_ROLE = f"arn:aws:iam::{SPOKE}:role/odcr-reclaimer-spoke"
GUARDED_ROLE = f"arn:aws:iam::{SPOKE}:role/guarded"

SOURCE = "cr-00000000000000d01"
LENDING = "cr-00000000000000d02"
TAGGED = "cr-00000000000000d03"
PAGED = [f"cr-0000000000000{index:04x}" for index in range(0xE00, 0xE0C)]
START = datetime(2026, 3, 2, 14, 0, tzinfo=timezone.utc)


class Run:
    def __init__(self) -> None:
        self.checks = 0
        self.differences: list[dict] = []

    def record(self, name: str, page: str, expected: str, got: str) -> None:
        self.checks += 1
        if expected == got:
            print(f"ok    {name}")
        else:
            print(f"DIFF  {name}: expected {expected}, got {got}  ({page})")
            self.differences.append({"check": name, "expected": expected, "got": got, "page": page})

    def error(self, name: str, page: str, code: str, status: int, call) -> None:
        """The call must fail with AWS's error code and HTTP status."""
        try:
            call()
            got = "success"
        except ClientError as error:
            got = f"{error.response['Error'].get('Code')} {error.response['ResponseMetadata'].get('HTTPStatusCode')}"
        self.record(name, page, f"{code} {status}", got)

    def value(self, name: str, page: str, expected, call) -> None:
        """The call must succeed and `call` must return the expected value."""
        try:
            got = call()
        except ClientError as error:
            got = f"error {error.response['Error'].get('Code')}"
        self.record(name, page, json.dumps(expected, default=str), json.dumps(got, default=str))


def admin(url: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{url}/_local/{path}",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"{}")


def seed(url: str) -> None:
    admin(url, "reset", {})
    admin(url, "clock", {"now": START.isoformat()})
    zone = "us-east-1a"
    admin(
        url,
        "seed",
        {
            "reservations": [
                {"id": SOURCE, "instanceType": "c7i.large", "availabilityZone": zone, "totalInstanceCount": 3000},
                {
                    "id": LENDING,
                    "instanceType": "m7i.large",
                    "availabilityZone": "us-east-1b",
                    "totalInstanceCount": 10,
                    "tags": {"fleet": "trading"},
                    "interruptible": {"instanceCount": 4, "borrowed": 2},
                },
                {"id": TAGGED, "instanceType": "c7i.large", "availabilityZone": zone, "totalInstanceCount": 10},
                *[
                    {"id": rid, "instanceType": "t3.micro", "availabilityZone": "us-east-1c", "totalInstanceCount": 1}
                    for rid in PAGED
                ],
            ],
            "alarms": [
                {"name": "xnys-volatility-high", "state": "OK"},
                {"name": "trading-load-high", "state": "ALARM"},
            ],
            "rules": [{"name": "odcr-reclaimer-track", "state": "DISABLED", "scheduleExpression": "rate(1 minute)"}],
            "tables": [{"name": "odcr-reclaimer-lease", "partitionKey": "pk"}],
            # The conformance client's undeclared credentials act as the hub account's root.
            "roles": [
                {"accountId": SPOKE, "name": "odcr-reclaimer-spoke", "trustedPrincipals": [HUB]},
                {"accountId": SPOKE, "name": "guarded", "trustedPrincipals": [HUB], "externalId": "expected-id"},
            ],
        },
    )


def ids_of(answer: dict) -> list[str]:
    return [reservation["CapacityReservationId"] for reservation in answer["CapacityReservations"]]


def check_ec2(run: Run, ec2) -> None:
    describe = f"{EC2_API}/API_DescribeCapacityReservations.html"
    create = f"{EC2_API}/API_CreateInterruptibleCapacityReservationAllocation.html"
    update = f"{EC2_API}/API_UpdateInterruptibleCapacityReservationAllocation.html"
    tags = f"{EC2_API}/API_CreateTags.html"
    three = [SOURCE, LENDING, TAGGED]

    def matching(name: str, value: str) -> list[str]:
        return ids_of(
            ec2.describe_capacity_reservations(CapacityReservationIds=three, Filters=[{"Name": name, "Values": [value]}])
        )

    for name, value, expected in [
        ("instance-type", "m7i.large", [LENDING]),
        ("owner-id", "123456789012", three),
        ("owner-id", "999999999999", []),
        ("instance-platform", "Linux/UNIX", three),
        ("instance-platform", "Windows", []),
        ("availability-zone", "us-east-1b", [LENDING]),
        ("tenancy", "dedicated", []),
        ("outpost-arn", "arn:aws:outposts:us-east-1:123456789012:outpost/op-0123456789abcdef0", []),
        ("state", "active", three),
        ("state", "cancelled", []),
        ("start-date", START.strftime("%Y-%m-%dT%H:%M:%S.000Z"), three),
        ("start-date", "2020-01-01T00:00:00.000Z", []),
        ("end-date", START.strftime("%Y-%m-%dT%H:%M:%S.000Z"), []),
        ("end-date-type", "unlimited", three),
        ("end-date-type", "limited", []),
        ("instance-match-criteria", "open", three),
        ("instance-match-criteria", "targeted", []),
        ("placement-group-arn", "arn:aws:ec2:us-east-1:123456789012:placement-group/pg", []),
        ("tag:fleet", "trading", [LENDING]),
        ("tag:fleet", "trad*", [LENDING]),
        ("tag-key", "fleet", [LENDING]),
    ]:
        run.value(f"ec2 filter {name}={value}", describe, expected, lambda: matching(name, value))

    run.value(
        "ec2 filter interruptible=true shows only interruptible reservations",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-owner-procedures.html",
        [True],
        lambda: [
            r.get("Interruptible")
            for r in ec2.describe_capacity_reservations(Filters=[{"Name": "interruptible", "Values": ["true"]}])[
                "CapacityReservations"
            ]
        ],
    )
    run.error(
        "ec2 unknown filter",
        describe,
        "InvalidParameterValue",
        400,
        lambda: ec2.describe_capacity_reservations(Filters=[{"Name": "colour", "Values": ["blue"]}]),
    )
    run.error("ec2 MaxResults 4", describe, "InvalidParameterValue", 400, lambda: ec2.describe_capacity_reservations(MaxResults=4))
    run.error(
        "ec2 MaxResults 1001", describe, "InvalidParameterValue", 400, lambda: ec2.describe_capacity_reservations(MaxResults=1001)
    )

    def all_pages() -> list[str]:
        seen: list[str] = []
        for page in ec2.get_paginator("describe_capacity_reservations").paginate(
            Filters=[{"Name": "instance-type", "Values": ["t3.micro"]}], PaginationConfig={"PageSize": 5}
        ):
            seen.extend(ids_of(page))
        return seen

    run.value("ec2 paginator with MaxResults 5 returns every match once", describe, PAGED, all_pages)
    run.error(
        "ec2 malformed id",
        f"{EC2_API}/errors-overview.html",
        "InvalidCapacityReservationId.Malformed",
        400,
        lambda: ec2.describe_capacity_reservations(CapacityReservationIds=["cr-123"]),
    )
    run.error(
        "ec2 unknown id",
        f"{EC2_API}/errors-overview.html",
        "InvalidCapacityReservationId.NotFound",
        400,
        lambda: ec2.describe_capacity_reservations(CapacityReservationIds=["cr-0fffffffffffffff0"]),
    )
    run.error("ec2 DryRun", describe, "DryRunOperation", 412, lambda: ec2.describe_capacity_reservations(DryRun=True))

    # Create
    run.error(
        "ec2 Create without InstanceCount",
        create,
        "MissingParameter",
        400,
        lambda: ec2.create_interruptible_capacity_reservation_allocation(CapacityReservationId=SOURCE),
    )
    run.error(
        "ec2 Create of 0 instances",
        create,
        "InvalidParameterValue",
        400,
        lambda: ec2.create_interruptible_capacity_reservation_allocation(CapacityReservationId=SOURCE, InstanceCount=0),
    )
    run.error(
        "ec2 Create of 1001 instances (1000 per request)",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-owner-procedures.html",
        "InvalidParameterValue",
        400,
        lambda: ec2.create_interruptible_capacity_reservation_allocation(CapacityReservationId=SOURCE, InstanceCount=1001),
    )
    run.error(
        "ec2 ClientToken of 65 characters",
        "https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html",
        "InvalidParameterValue",
        400,
        lambda: ec2.create_interruptible_capacity_reservation_allocation(
            CapacityReservationId=SOURCE, InstanceCount=1, ClientToken="t" * 65
        ),
    )
    run.error(
        "ec2 tag specification without resource type",
        f"{EC2_API}/API_TagSpecification.html",
        "InvalidParameterValue",
        400,
        lambda: ec2.create_interruptible_capacity_reservation_allocation(
            CapacityReservationId=SOURCE, InstanceCount=1, TagSpecifications=[{"Tags": [{"Key": "a", "Value": "b"}]}]
        ),
    )
    token = "conformance-create-1"
    first = lambda: ec2.create_interruptible_capacity_reservation_allocation(  # noqa: E731
        CapacityReservationId=SOURCE, InstanceCount=5, ClientToken=token
    )["TargetInstanceCount"]
    run.value("ec2 Create with a ClientToken", create, 5, first)
    run.value("ec2 Create retried with the same ClientToken answers as before", create, 5, first)
    run.value(
        "ec2 the retry changed nothing",
        create,
        5,
        lambda: ec2.describe_capacity_reservations(CapacityReservationIds=[SOURCE])["CapacityReservations"][0][
            "InterruptibleCapacityAllocation"
        ]["InstanceCount"],
    )
    run.error(
        "ec2 same ClientToken, other parameters",
        "https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html",
        "IdempotentParameterMismatch",
        400,
        lambda: ec2.create_interruptible_capacity_reservation_allocation(
            CapacityReservationId=SOURCE, InstanceCount=6, ClientToken=token
        ),
    )

    # Update
    run.error(
        "ec2 Update without TargetInstanceCount",
        update,
        "MissingParameter",
        400,
        lambda: ec2.update_interruptible_capacity_reservation_allocation(CapacityReservationId=LENDING),
    )
    run.error(
        "ec2 Update to -1",
        update,
        "InvalidParameterValue",
        400,
        lambda: ec2.update_interruptible_capacity_reservation_allocation(
            CapacityReservationId=LENDING, TargetInstanceCount=-1
        ),
    )
    run.error(
        "ec2 Update by more than 1000",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-owner-procedures.html",
        "InvalidParameterValue",
        400,
        lambda: ec2.update_interruptible_capacity_reservation_allocation(
            CapacityReservationId=SOURCE, TargetInstanceCount=1006
        ),
    )
    run.value(
        "ec2 Update lowering the target reclaims",
        update,
        "updating",
        lambda: ec2.update_interruptible_capacity_reservation_allocation(
            CapacityReservationId=LENDING, TargetInstanceCount=0
        )["Status"],
    )

    # Tags
    run.error(
        "ec2 CreateTags with 51 tags on one reservation",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html",
        "TagLimitExceeded",
        400,
        lambda: ec2.create_tags(Resources=[TAGGED], Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)]),
    )
    run.error(
        "ec2 tag key of 128 characters",
        f"{EC2_API}/API_Tag.html",
        "InvalidParameterValue",
        400,
        lambda: ec2.create_tags(Resources=[TAGGED], Tags=[{"Key": "k" * 128, "Value": "v"}]),
    )
    run.error(
        "ec2 tag value of 257 characters",
        f"{EC2_API}/API_Tag.html",
        "InvalidParameterValue",
        400,
        lambda: ec2.create_tags(Resources=[TAGGED], Tags=[{"Key": "k", "Value": "v" * 257}]),
    )
    run.error(
        "ec2 tag key aws:*",
        f"{EC2_API}/API_Tag.html",
        "InvalidParameterValue",
        400,
        lambda: ec2.create_tags(Resources=[TAGGED], Tags=[{"Key": "aws:x", "Value": "v"}]),
    )
    run.error(
        "ec2 CreateTags on 1001 resources",
        tags,
        "InvalidParameterValue",
        400,
        lambda: ec2.create_tags(Resources=[TAGGED] * 1001, Tags=[{"Key": "k", "Value": "v"}]),
    )
    run.error(
        "ec2 DeleteTags of 1001 tags",
        f"{EC2_API}/API_DeleteTags.html",
        "InvalidParameterValue",
        400,
        lambda: ec2.delete_tags(Resources=[TAGGED], Tags=[{"Key": f"k{i}"} for i in range(1001)]),
    )

    def tag_round_trip() -> dict:
        ec2.create_tags(Resources=[TAGGED], Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}])
        ec2.delete_tags(Resources=[TAGGED], Tags=[{"Key": "a", "Value": "2"}, {"Key": "b", "Value": ""}])
        found = ec2.describe_capacity_reservations(CapacityReservationIds=[TAGGED])["CapacityReservations"][0]
        return {tag["Key"]: tag["Value"] for tag in found.get("Tags", [])}

    run.value("ec2 DeleteTags with a value removes only that value", f"{EC2_API}/API_DeleteTags.html", {"a": "1"}, tag_round_trip)


def check_cloudwatch(run: Run, cloudwatch) -> None:
    describe = f"{CW_API}/API_DescribeAlarms.html"
    put = f"{CW_API}/API_PutMetricData.html"
    get = f"{CW_API}/API_GetMetricData.html"
    set_state = f"{CW_API}/API_SetAlarmState.html"

    run.error("cloudwatch DescribeAlarms MaxRecords 101", describe, "ValidationError", 400, lambda: cloudwatch.describe_alarms(MaxRecords=101))
    run.error("cloudwatch DescribeAlarms MaxRecords 0", describe, "ValidationError", 400, lambda: cloudwatch.describe_alarms(MaxRecords=0))
    run.error(
        "cloudwatch DescribeAlarms 101 names",
        describe,
        "ValidationError",
        400,
        lambda: cloudwatch.describe_alarms(AlarmNames=[f"a{i}" for i in range(101)]),
    )
    run.error(
        "cloudwatch DescribeAlarms StateValue outside the enumeration",
        describe,
        "ValidationError",
        400,
        lambda: cloudwatch.describe_alarms(StateValue="BROKEN"),
    )
    run.error(
        "cloudwatch DescribeAlarms AlarmNames with AlarmNamePrefix",
        describe,
        "InvalidParameterCombination",
        400,
        lambda: cloudwatch.describe_alarms(AlarmNames=["a"], AlarmNamePrefix="a"),
    )
    run.value(
        "cloudwatch DescribeAlarms by state",
        describe,
        ["trading-load-high"],
        lambda: [a["AlarmName"] for a in cloudwatch.describe_alarms(StateValue="ALARM")["MetricAlarms"]],
    )
    alarm_fields = sorted(
        [
            "AlarmName",
            "AlarmArn",
            "AlarmConfigurationUpdatedTimestamp",
            "ActionsEnabled",
            "OKActions",
            "AlarmActions",
            "InsufficientDataActions",
            "StateValue",
            "StateReason",
            "StateUpdatedTimestamp",
            "StateTransitionedTimestamp",
            "MetricName",
            "Namespace",
            "Statistic",
            "Dimensions",
            "Period",
            "EvaluationPeriods",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
        ]
    )
    run.value(
        "cloudwatch a metric alarm carries a real alarm's fields",
        f"{CW_API}/API_MetricAlarm.html",
        alarm_fields,
        lambda: sorted(
            k for k in cloudwatch.describe_alarms(AlarmNames=["xnys-volatility-high"])["MetricAlarms"][0] if k in alarm_fields
        ),
    )

    def paged_alarm_names() -> list[str]:
        names: list[str] = []
        for page in cloudwatch.get_paginator("describe_alarms").paginate(PaginationConfig={"PageSize": 1}):
            names.extend(alarm["AlarmName"] for alarm in page["MetricAlarms"])
        return sorted(names)

    run.value("cloudwatch DescribeAlarms pages with NextToken", describe, ["trading-load-high", "xnys-volatility-high"], paged_alarm_names)
    run.error(
        "cloudwatch SetAlarmState of an unknown alarm",
        set_state,
        "ResourceNotFound",
        404,
        lambda: cloudwatch.set_alarm_state(AlarmName="no-such-alarm", StateValue="ALARM", StateReason="test"),
    )
    run.error(
        "cloudwatch SetAlarmState with StateReasonData that is not JSON",
        set_state,
        "InvalidFormat",
        400,
        lambda: cloudwatch.set_alarm_state(
            AlarmName="xnys-volatility-high", StateValue="ALARM", StateReason="test", StateReasonData="{"
        ),
    )
    run.error(
        "cloudwatch SetAlarmState reason of 1024 characters",
        set_state,
        "ValidationError",
        400,
        lambda: cloudwatch.set_alarm_state(AlarmName="xnys-volatility-high", StateValue="ALARM", StateReason="r" * 1024),
    )

    # PutMetricData
    now = START + timedelta(hours=1)
    datum = {"MetricName": "Reclaimed", "Value": 1.0, "Unit": "Count", "Timestamp": now}
    run.error(
        "cloudwatch PutMetricData of 1001 datums",
        put,
        "InvalidParameterValue",
        400,
        lambda: cloudwatch.put_metric_data(Namespace="Conformance", MetricData=[datum] * 1001),
    )
    run.error(
        "cloudwatch PutMetricData into AWS/",
        put,
        "InvalidParameterValue",
        400,
        lambda: cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=[datum]),
    )
    run.error(
        "cloudwatch PutMetricData Value with StatisticValues",
        put,
        "InvalidParameterCombination",
        400,
        lambda: cloudwatch.put_metric_data(
            Namespace="Conformance",
            MetricData=[{**datum, "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}}],
        ),
    )
    run.error(
        "cloudwatch PutMetricData Values with 151 members",
        put,
        "InvalidParameterValue",
        400,
        lambda: cloudwatch.put_metric_data(
            Namespace="Conformance",
            MetricData=[{"MetricName": "M", "Values": [float(i) for i in range(151)], "Timestamp": now}],
        ),
    )
    run.error(
        "cloudwatch PutMetricData 31 dimensions",
        put,
        "InvalidParameterValue",
        400,
        lambda: cloudwatch.put_metric_data(
            Namespace="Conformance",
            MetricData=[{**datum, "Dimensions": [{"Name": f"d{i}", "Value": "v"} for i in range(31)]}],
        ),
    )
    run.error(
        "cloudwatch PutMetricData with a unit outside the enumeration",
        put,
        "ValidationError",
        400,
        lambda: cloudwatch.put_metric_data(Namespace="Conformance", MetricData=[{**datum, "Unit": "Parsecs"}]),
    )
    run.error(
        "cloudwatch PutMetricData timestamp more than two weeks old",
        put,
        "InvalidParameterValue",
        400,
        lambda: cloudwatch.put_metric_data(
            Namespace="Conformance", MetricData=[{**datum, "Timestamp": START - timedelta(days=15)}]
        ),
    )
    run.error(
        "cloudwatch PutMetricData timestamp more than two hours ahead",
        put,
        "InvalidParameterValue",
        400,
        lambda: cloudwatch.put_metric_data(
            Namespace="Conformance", MetricData=[{**datum, "Timestamp": START + timedelta(hours=3)}]
        ),
    )

    # GetMetricData: 12 datums one minute apart from 14:00:30, one of them in another unit.
    points = [
        {
            "MetricName": "Lent",
            "Value": float(i),
            "Unit": "Seconds" if i == 11 else "Count",
            "Timestamp": START + timedelta(seconds=30 + 60 * i),
        }
        for i in range(12)
    ]
    cloudwatch.put_metric_data(Namespace="Conformance", MetricData=points)

    def query(stat: str = "Sum", period: int = 60, unit: str | None = None) -> dict:
        metric_stat = {"Metric": {"Namespace": "Conformance", "MetricName": "Lent"}, "Period": period, "Stat": stat}
        if unit is not None:
            metric_stat["Unit"] = unit
        return {"Id": "lent", "MetricStat": metric_stat}

    def series(start: datetime, end: datetime, **options) -> list:
        answer = cloudwatch.get_metric_data(
            MetricDataQueries=[query(**options)], StartTime=start, EndTime=end, ScanBy="TimestampAscending"
        )["MetricDataResults"][0]
        return [[t.strftime("%H:%M:%S"), float(v)] for t, v in zip(answer["Timestamps"], answer["Values"])]

    run.value(
        "cloudwatch GetMetricData rounds a start within 15 days down to the minute",
        get,
        [["14:00:00", 0.0], ["14:01:00", 1.0]],
        lambda: series(START + timedelta(seconds=20), START + timedelta(minutes=2)),
    )
    run.value(
        "cloudwatch GetMetricData 5-minute periods count from the rounded StartTime",
        get,
        [["14:01:00", 15.0], ["14:06:00", 40.0], ["14:11:00", 11.0]],
        lambda: series(START + timedelta(minutes=1), START + timedelta(minutes=15), period=300),
    )
    run.value(
        "cloudwatch GetMetricData filters by unit",
        get,
        [["14:10:00", 10.0]],
        lambda: series(START + timedelta(minutes=10), START + timedelta(minutes=15), period=300, unit="Count"),
    )

    def with_max_datapoints() -> list:
        pages = []
        token = None
        while True:
            arguments = {
                "MetricDataQueries": [query()],
                "StartTime": START,
                "EndTime": START + timedelta(minutes=12),
                "ScanBy": "TimestampAscending",
                "MaxDatapoints": 5,
            }
            if token:
                arguments["NextToken"] = token
            answer = cloudwatch.get_metric_data(**arguments)
            pages.append(len(answer["MetricDataResults"][0]["Timestamps"]))
            token = answer.get("NextToken")
            if not token:
                return pages

    run.value("cloudwatch GetMetricData MaxDatapoints pages with NextToken", get, [5, 5, 2], with_max_datapoints)
    run.error(
        "cloudwatch GetMetricData period of 61 seconds",
        get,
        "InvalidParameterValue",
        400,
        lambda: cloudwatch.get_metric_data(
            MetricDataQueries=[query(period=61)], StartTime=START, EndTime=START + timedelta(hours=1)
        ),
    )
    run.error(
        "cloudwatch GetMetricData EndTime before StartTime",
        get,
        "InvalidParameterValue",
        400,
        lambda: cloudwatch.get_metric_data(MetricDataQueries=[query()], StartTime=START, EndTime=START - timedelta(hours=1)),
    )
    run.error(
        "cloudwatch GetMetricData duplicate query ids",
        get,
        "InvalidParameterValue",
        400,
        lambda: cloudwatch.get_metric_data(
            MetricDataQueries=[query(), query()], StartTime=START, EndTime=START + timedelta(hours=1)
        ),
    )
    run.error(
        "cloudwatch GetMetricData 501 queries",
        get,
        "InvalidParameterValue",
        400,
        lambda: cloudwatch.get_metric_data(
            MetricDataQueries=[{**query(), "Id": f"q{i}"} for i in range(501)],
            StartTime=START,
            EndTime=START + timedelta(hours=1),
        ),
    )
    run.error(
        "cloudwatch GetMetricData ScanBy outside the enumeration",
        get,
        "ValidationError",
        400,
        lambda: cloudwatch.get_metric_data(
            MetricDataQueries=[query()], StartTime=START, EndTime=START + timedelta(hours=1), ScanBy="Sideways"
        ),
    )


def check_events(run: Run, events) -> None:
    put = f"{EB_API}/API_PutEvents.html"
    rule = f"{EB_API}/API_DescribeRule.html"
    entry = {"Source": "odcr-reclaimer", "DetailType": "Conformance", "Detail": "{}"}
    run.error("events PutEvents of 11 entries", put, "ValidationException", 400, lambda: events.put_events(Entries=[entry] * 11))
    run.error("events PutEvents of no entries", put, "ValidationException", 400, lambda: events.put_events(Entries=[]))
    run.value(
        "events PutEvents entry errors",
        put,
        [None, "InvalidArgument", "MalformedDetail"],
        lambda: [
            result.get("ErrorCode")
            for result in events.put_events(
                Entries=[entry, {"Source": "odcr-reclaimer", "Detail": "{}"}, {**entry, "Detail": "[1"}]
            )["Entries"]
        ],
    )
    run.error(
        "events PutEvents larger than 256 KB",
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html",
        "ValidationException",
        400,
        lambda: events.put_events(Entries=[{**entry, "Detail": json.dumps({"a": "x" * 140_000})}] * 2),
    )
    run.error(
        "events PutEvents resource of 2049 characters",
        put,
        "ValidationException",
        400,
        lambda: events.put_events(Entries=[{**entry, "Resources": ["r" * 2049]}]),
    )
    run.error(
        "events DescribeRule name of 65 characters", rule, "ValidationException", 400, lambda: events.describe_rule(Name="r" * 65)
    )
    run.error(
        "events DescribeRule name outside its pattern", rule, "ValidationException", 400, lambda: events.describe_rule(Name="a b")
    )
    run.error(
        "events EnableRule of an unknown rule",
        f"{EB_API}/API_EnableRule.html",
        "ResourceNotFoundException",
        400,
        lambda: events.enable_rule(Name="no-such-rule"),
    )
    run.value(
        "events EnableRule then DescribeRule",
        rule,
        "ENABLED",
        lambda: (events.enable_rule(Name="odcr-reclaimer-track"), events.describe_rule(Name="odcr-reclaimer-track"))[1][
            "State"
        ],
    )


def check_dynamodb(run: Run, dynamodb) -> None:
    put = f"{DDB_API}/API_PutItem.html"
    item = {"pk": {"S": "lease"}, "holder": {"S": "a"}}
    run.error(
        "dynamodb PutItem on an unknown table",
        put,
        "ResourceNotFoundException",
        400,
        lambda: dynamodb.put_item(TableName="no-such-table", Item=item),
    )
    run.error(
        "dynamodb PutItem table name of 2 characters",
        put,
        "ValidationException",
        400,
        lambda: dynamodb.put_item(TableName="ab", Item=item),
    )
    dynamodb.put_item(TableName="odcr-reclaimer-lease", Item=item)
    run.error(
        "dynamodb PutItem whose condition is false",
        put,
        "ConditionalCheckFailedException",
        400,
        lambda: dynamodb.put_item(
            TableName="odcr-reclaimer-lease",
            Item=item,
            ConditionExpression="attribute_not_exists(#pk)",
            ExpressionAttributeNames={"#pk": "pk"},
        ),
    )
    run.error(
        "dynamodb PutItem with an unused placeholder",
        put,
        "ValidationException",
        400,
        lambda: dynamodb.put_item(
            TableName="odcr-reclaimer-lease", Item=item, ExpressionAttributeNames={"#unused": "x"}
        ),
    )


def check_sts(run: Run, sts, session_client) -> None:
    page = f"{STS_API}/API_AssumeRole.html"

    def assume(**extra):
        return sts.assume_role(RoleArn=SPOKE_ROLE, RoleSessionName="conformance", **extra)

    run.value("AssumeRole answers the role's assumed-role ARN", page,
              f"arn:aws:sts::{SPOKE}:assumed-role/odcr-reclaimer-spoke/conformance",
              lambda: assume()["AssumedRoleUser"]["Arn"])
    run.error("AssumeRole RoleSessionName shorter than 2", page, "ValidationError", 400,
              lambda: sts.assume_role(RoleArn=SPOKE_ROLE, RoleSessionName="a"))
    run.error("AssumeRole RoleSessionName outside [\\w+=,.@-]", page, "ValidationError", 400,
              lambda: sts.assume_role(RoleArn=SPOKE_ROLE, RoleSessionName="a b"))
    run.error("AssumeRole DurationSeconds below 900", page, "ValidationError", 400, lambda: assume(DurationSeconds=899))
    run.error("AssumeRole DurationSeconds above the role's maximum", page, "ValidationError", 400,
              lambda: assume(DurationSeconds=7200))
    run.error("AssumeRole of a role that does not exist", page, "AccessDenied", 403,
              lambda: sts.assume_role(RoleArn=f"arn:aws:iam::{SPOKE}:role/none", RoleSessionName="conformance"))
    run.error("AssumeRole without the external id the trust policy requires", page, "AccessDenied", 403,
              lambda: sts.assume_role(RoleArn=GUARDED_ROLE, RoleSessionName="conformance"))
    run.error("AssumeRole with another external id", page, "AccessDenied", 403,
              lambda: sts.assume_role(RoleArn=GUARDED_ROLE, RoleSessionName="conformance", ExternalId="other-id"))
    credentials = assume()["Credentials"]
    spoke_sts = session_client("sts", credentials)
    run.value("GetCallerIdentity with session credentials names the role's account",
              f"{STS_API}/API_GetCallerIdentity.html", SPOKE, lambda: spoke_sts.get_caller_identity()["Account"])


def check_ram(run: Run, ram) -> None:
    page = f"{RAM_API}/API_CreateResourceShare.html"
    arn = f"arn:aws:ec2:us-east-1:{HUB}:capacity-reservation/{LENDING}"

    def create(**extra):
        return ram.create_resource_share(**{"name": "borrowers", "resourceArns": [arn], "principals": ["210987654321"], **extra})

    run.value("CreateResourceShare answers an ACTIVE share", page, "ACTIVE",
              lambda: create(clientToken="conformance-1")["resourceShare"]["status"])
    run.error("CreateResourceShare with a malformed resource ARN", page, "MalformedArnException", 400,
              lambda: create(resourceArns=["not-an-arn"]))
    run.error("CreateResourceShare of a reservation the account does not hold", page, "UnknownResourceException", 400,
              lambda: create(resourceArns=[arn.replace(LENDING, "cr-0ffffffffffffffff")]))
    run.error("CreateResourceShare with a malformed account id", page, "MalformedArnException", 400,
              lambda: create(principals=["12345"]))
    run.error("CreateResourceShare reusing a clientToken with other parameters", page,
              "IdempotentParameterMismatchException", 400, lambda: create(clientToken="conformance-1", name="other"))
    run.error("GetResourceShares maxResults above 500", f"{RAM_API}/API_GetResourceShares.html",
              "InvalidMaxResultsException", 400, lambda: ram.get_resource_shares(resourceOwner="SELF", maxResults=501))
    share = ram.get_resource_shares(resourceOwner="SELF")["resourceShares"][0]["resourceShareArn"]
    run.error("DisassociateResourceShare of a principal not associated", f"{RAM_API}/API_DisassociateResourceShare.html",
              "UnknownResourceException", 400,
              lambda: ram.disassociate_resource_share(resourceShareArn=share, principals=["999999999999"]))


def check_cli(run: Run, url: str) -> None:
    """A few of the same rules through the AWS CLI (`aws --endpoint-url`), the way an operator would call them."""
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIDCONFORMANCE",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }

    def cli(*arguments: str) -> str:
        done = subprocess.run(
            ["aws", "--endpoint-url", url, "--output", "json", *arguments],
            capture_output=True,
            text=True,
            env=environment,
            check=False,
        )
        if done.returncode == 0:
            return "success"
        found = [code for code in ("InvalidParameterValue", "ResourceNotFound", "IdempotentParameterMismatch") if f"({code})" in done.stderr]
        return found[0] if found else done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"

    describe = f"{EC2_API}/API_DescribeCapacityReservations.html"
    run.record("cli ec2 describe-capacity-reservations --filters tag:fleet", describe, "success", cli("ec2", "describe-capacity-reservations", "--filters", "Name=tag:fleet,Values=trading"))
    run.record("cli ec2 describe-capacity-reservations --max-results 4", describe, "InvalidParameterValue", cli("ec2", "describe-capacity-reservations", "--max-results", "4"))
    run.record("cli ec2 unknown filter", describe, "InvalidParameterValue", cli("ec2", "describe-capacity-reservations", "--filters", "Name=colour,Values=blue"))
    run.record(
        "cli cloudwatch set-alarm-state of an unknown alarm",
        f"{CW_API}/API_SetAlarmState.html",
        "ResourceNotFound",
        cli("cloudwatch", "set-alarm-state", "--alarm-name", "no-such-alarm", "--state-value", "ALARM", "--state-reason", "conformance"),
    )
    run.record(
        "cli cloudwatch set-alarm-state",
        f"{CW_API}/API_SetAlarmState.html",
        "success",
        cli("cloudwatch", "set-alarm-state", "--alarm-name", "xnys-volatility-high", "--state-value", "ALARM", "--state-reason", "conformance"),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", default="http://127.0.0.1:4566")
    parser.add_argument("--json", action="store_true", help="end with one JSON line: checks and differences")
    arguments = parser.parse_args()
    url = arguments.endpoint_url.rstrip("/")
    seed(url)
    session = boto3.session.Session(
        aws_access_key_id="AKIDCONFORMANCE", aws_secret_access_key="local", region_name="us-east-1"
    )
    # No client-side validation and no retries: every limit is the endpoint's to enforce, every answer its own.
    config = Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"})
    client = lambda name: session.client(name, endpoint_url=url, config=config)  # noqa: E731
    run = Run()
    check_ec2(run, client("ec2"))
    check_cloudwatch(run, client("cloudwatch"))
    check_events(run, client("events"))
    check_dynamodb(run, client("dynamodb"))

    def session_client(name: str, credentials: dict):
        return boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name="us-east-1",
        ).client(name, endpoint_url=url, config=config)

    check_sts(run, client("sts"), session_client)
    check_ram(run, client("ram"))
    if shutil.which("aws"):
        check_cli(run, url)
    else:
        print("skip  AWS CLI checks: no `aws` on PATH")
    print(f"{run.checks} checks, {len(run.differences)} differences from the documented behaviour")
    if arguments.json:
        print(json.dumps({"checks": run.checks, "differences": run.differences}))
    return 1 if run.differences else 0


if __name__ == "__main__":
    sys.exit(main())

"""The SQS scenario every boto3 must pass against a running Mailroom.

python3 boto3_scenario.py <endpoint> <access key> <secret> <queue prefix>
Prints one JSON line {"protocol", "botocore", "checks"} and exits 0, or raises.
"""
import base64
import json
import sys
import threading
import time

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, key, secret, prefix = sys.argv[1:5]
checks = []


def client(access_key=key, secret_key=secret):
    return boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(retries={"max_attempts": 1}),
    )


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    raise AssertionError("expected an error")


def check(name, condition, detail=""):
    if not condition:
        raise AssertionError(f"{name} failed {detail}")
    checks.append(name)


def until(what, attempt, seconds=15):
    """Calls attempt() until it returns something truthy (bounded, not a fixed sleep)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = attempt()
        if result:
            return result
    raise AssertionError(f"timed out waiting for {what}")


sqs = client()
main_url = sqs.create_queue(QueueName=f"{prefix}-main", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
check("create", main_url.endswith(f"/000000000000/{prefix}-main"), main_url)
check("get url", sqs.get_queue_url(QueueName=f"{prefix}-main")["QueueUrl"] == main_url)
check("list", main_url in sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", []))

sent = sqs.send_message(
    QueueUrl=main_url,
    MessageBody="héllo from boto3",
    MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "greeting"},
        "count": {"DataType": "Number.int", "StringValue": "7"},
        "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe"},
    },
)
check("send md5", len(sent["MD5OfMessageBody"]) == 32 and len(sent["MD5OfMessageAttributes"]) == 32)

batch = sqs.send_message_batch(QueueUrl=main_url, Entries=[{"Id": f"e{i}", "MessageBody": f"batch {i}"} for i in range(3)])
check("send batch", sorted(e["Id"] for e in batch["Successful"]) == ["e0", "e1", "e2"] and not batch.get("Failed"), batch)

received = []
until("four messages", lambda: received.extend(
    sqs.receive_message(QueueUrl=main_url, MaxNumberOfMessages=10, WaitTimeSeconds=2, MessageAttributeNames=["All"], AttributeNames=["All"]).get("Messages", [])
) or len(received) >= 4)
bodies = sorted(m["Body"] for m in received)
check("receive", bodies == ["batch 0", "batch 1", "batch 2", "héllo from boto3"], bodies)
greeting = next(m for m in received if m["Body"].startswith("héllo"))
check("attributes", greeting["MessageAttributes"]["raw"]["BinaryValue"] == b"\x00\x01\xfe" and greeting["MessageAttributes"]["count"]["StringValue"] == "7")
check("receive count", greeting["Attributes"]["ApproximateReceiveCount"] == "1")
sqs.delete_message(QueueUrl=main_url, ReceiptHandle=greeting["ReceiptHandle"])
deleted = sqs.delete_message_batch(QueueUrl=main_url, Entries=[{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received) if m is not greeting])
check("delete batch", len(deleted["Successful"]) == 3 and not deleted.get("Failed"), deleted)

# long poll: the receive is waiting before the message is sent
result = {}
poller = threading.Thread(target=lambda: result.update(sqs.receive_message(QueueUrl=main_url, WaitTimeSeconds=15)))
poller.start()
client().send_message(QueueUrl=main_url, MessageBody="late")
poller.join(20)
check("long poll", [m["Body"] for m in result.get("Messages", [])] == ["late"], result)
first = result["Messages"][0]

# visibility: shortened to 1 s, the message comes back with a new receipt handle
sqs.change_message_visibility(QueueUrl=main_url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=1)
again = until("the message to reappear", lambda: sqs.receive_message(QueueUrl=main_url, WaitTimeSeconds=1, AttributeNames=["ApproximateReceiveCount"]).get("Messages"))[0]
check("expiry", again["MessageId"] == first["MessageId"] and again["ReceiptHandle"] != first["ReceiptHandle"] and again["Attributes"]["ApproximateReceiveCount"] == "2")
check("stale handle", error_code(lambda: sqs.delete_message(QueueUrl=main_url, ReceiptHandle=first["ReceiptHandle"])) == "ReceiptHandleIsInvalid")
sqs.delete_message(QueueUrl=main_url, ReceiptHandle=again["ReceiptHandle"])

# redrive: after maxReceiveCount receives the message is in the dead-letter queue
dlq_url = sqs.create_queue(QueueName=f"{prefix}-dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
work_url = sqs.create_queue(QueueName=f"{prefix}-work", Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
sqs.send_message(QueueUrl=work_url, MessageBody="poison")
for _ in range(2):
    message = until("a delivery", lambda: sqs.receive_message(QueueUrl=work_url, WaitTimeSeconds=1).get("Messages"))[0]
    sqs.change_message_visibility(QueueUrl=work_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
dead = until("the dead letter", lambda: sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages"))[0]
check("redrive", dead["Body"] == "poison")
check("dead letter sources", sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == [work_url])

# purge
sqs.send_message_batch(QueueUrl=work_url, Entries=[{"Id": "a", "MessageBody": "a"}, {"Id": "b", "MessageBody": "b"}])
sqs.purge_queue(QueueUrl=work_url)
count = sqs.get_queue_attributes(QueueUrl=work_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"]
check("purge", count == "0", count)

# tags
sqs.tag_queue(QueueUrl=work_url, Tags={"team": "ops"})
check("tags", sqs.list_queue_tags(QueueUrl=work_url).get("Tags") == {"team": "ops"})

# FIFO: order within a group, one group in flight while another proceeds, deduplication, sequence numbers
fifo_url = sqs.create_queue(QueueName=f"{prefix}-orders.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
check("fifo attributes", sqs.get_queue_attributes(QueueUrl=fifo_url, AttributeNames=["All"])["Attributes"]["FifoQueue"] == "true")
check("fifo needs a group", error_code(lambda: sqs.send_message(QueueUrl=fifo_url, MessageBody="x", MessageDeduplicationId="x")) == "MissingParameter")
fifo_sent = sqs.send_message_batch(QueueUrl=fifo_url, Entries=[{"Id": f"a{i}", "MessageBody": f"A{i}", "MessageGroupId": "A"} for i in range(3)])
fifo_sent = fifo_sent["Successful"] + sqs.send_message_batch(QueueUrl=fifo_url, Entries=[{"Id": "b0", "MessageBody": "B0", "MessageGroupId": "B", "MessageDeduplicationId": "b-0"}])["Successful"]
numbers = [int(e["SequenceNumber"]) for e in fifo_sent]
check("fifo sequence numbers", numbers == sorted(numbers) and len(set(numbers)) == 4, numbers)
duplicate = sqs.send_message(QueueUrl=fifo_url, MessageBody="B0 again", MessageGroupId="B", MessageDeduplicationId="b-0")
check("fifo dedup", duplicate["MessageId"] == fifo_sent[3]["MessageId"], duplicate)
by_content = sqs.send_message(QueueUrl=fifo_url, MessageBody="A0", MessageGroupId="A")
check("fifo content dedup", by_content["MessageId"] == fifo_sent[0]["MessageId"], by_content)
head = sqs.receive_message(QueueUrl=fifo_url, MaxNumberOfMessages=1, AttributeNames=["All"], ReceiveRequestAttemptId="try-1")["Messages"]
check("fifo receive attributes", head[0]["Body"] == "A0" and head[0]["Attributes"]["MessageGroupId"] == "A" and head[0]["Attributes"]["SequenceNumber"] == str(numbers[0]), head)
check("fifo deduplication id", len(head[0]["Attributes"].get("MessageDeduplicationId", "")) == 64, head)
retried = sqs.receive_message(QueueUrl=fifo_url, MaxNumberOfMessages=1, AttributeNames=["All"], ReceiveRequestAttemptId="try-1")["Messages"]
check("fifo receive retried", [(m["MessageId"], m["ReceiptHandle"]) for m in retried] == [(m["MessageId"], m["ReceiptHandle"]) for m in head], retried)
others = sqs.receive_message(QueueUrl=fifo_url, MaxNumberOfMessages=10).get("Messages", [])
check("fifo group in flight", [m["Body"] for m in others] == ["B0"], others)
sqs.delete_message(QueueUrl=fifo_url, ReceiptHandle=head[0]["ReceiptHandle"])
rest = sqs.receive_message(QueueUrl=fifo_url, MaxNumberOfMessages=10).get("Messages", [])
check("fifo order", [m["Body"] for m in rest] == ["A1", "A2"], rest)
sqs.delete_queue(QueueUrl=fifo_url)

# refused: a wrong secret, an unknown key, a missing queue
check("wrong signature", error_code(lambda: client(secret_key=secret + "x").list_queues()) == "SignatureDoesNotMatch")
check("unknown key", error_code(lambda: client(access_key="AKIDNOSUCHKEY").list_queues()) == "InvalidClientTokenId")
missing = error_code(lambda: sqs.get_queue_url(QueueName=f"{prefix}-missing"))
check("missing queue", missing in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"), missing)

for url in (main_url, work_url, dlq_url):
    sqs.delete_queue(QueueUrl=url)
check("delete queues", error_code(lambda: sqs.get_queue_url(QueueName=f"{prefix}-main")) in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"))

print(json.dumps({"protocol": sqs.meta.service_model.protocol, "botocore": botocore.__version__, "checks": checks}))

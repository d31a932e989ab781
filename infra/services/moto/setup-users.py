"""Creates the bucket and the two IAM users of the object-store tests on a fresh moto server.

`python3 setup-users.py ENDPOINT BUCKET` prints KEY=value lines (the env file of moto.sh):
  writer  s3:* on the bucket and its objects: the API's upload staging and the worker;
  reader  s3:GetObject on the objects (GET and HEAD) and s3:ListBucket: the runtime nodes.
It makes exactly SETUP_REQUESTS requests, which moto.sh passes as INITIAL_NO_AUTH_ACTION_COUNT:
those run unauthenticated (nobody has a key yet), everything after them is checked. It then
checks that the server does enforce the policies (the reader may not write) and exits 1 if not.
"""

import json
import sys

import boto3
from botocore.exceptions import ClientError

SETUP_REQUESTS = 7
REGION = "us-east-1"


def client(service, endpoint, key_id, secret):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )


def policy(bucket, bucket_actions, object_actions):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": bucket_actions, "Resource": f"arn:aws:s3:::{bucket}"},
                {"Effect": "Allow", "Action": object_actions, "Resource": f"arn:aws:s3:::{bucket}/*"},
            ],
        }
    )


def make_user(iam, name, document):
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    iam.put_user_policy(UserName=name, PolicyName=f"{name}-s3", PolicyDocument=document)
    return key["AccessKeyId"], key["SecretAccessKey"]


def main(endpoint, bucket):
    # Any key will do for the unauthenticated setup requests.
    client("s3", endpoint, "setup", "setup").create_bucket(Bucket=bucket)
    iam = client("iam", endpoint, "setup", "setup")
    writer = make_user(iam, "arcade-writer", policy(bucket, ["s3:*"], ["s3:*"]))
    reader = make_user(iam, "arcade-reader", policy(bucket, ["s3:ListBucket"], ["s3:GetObject"]))

    try:
        client("s3", endpoint, *reader).put_object(Bucket=bucket, Key="setup-check", Body=b"x")
    except ClientError as error:
        if error.response["Error"]["Code"] != "AccessDenied":
            raise
    else:
        print("moto accepted a write with the read-only key: IAM is not enforced", file=sys.stderr)
        return 1

    print(f"MOTO_WRITER_ACCESS_KEY_ID={writer[0]}")
    print(f"MOTO_WRITER_SECRET_ACCESS_KEY={writer[1]}")
    print(f"MOTO_READER_ACCESS_KEY_ID={reader[0]}")
    print(f"MOTO_READER_SECRET_ACCESS_KEY={reader[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

# Activity feed of a multi-tenant SaaS product, one table for every tenant.
#
# Items are keyed by tenant (`TENANT#acme`), which is what every screen lists by. On demand,
# so capacity is not the worry; but one tenant, acme, sends 60% of all activity, and one
# partition key lives on one partition: 1,000 write units per second, on demand or not.

resource "aws_dynamodb_table" "activity" {
  name         = "activity"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "PK"
  range_key    = "SK"

  attribute {
    name = "PK"
    type = "S"
  }

  attribute {
    name = "SK"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = {
    Team = "platform"
  }
}

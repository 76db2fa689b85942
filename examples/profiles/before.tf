# User profiles: a design that is already right.
#
# Profiles are keyed by user id (millions of values, none much busier than another), the one
# index is keyed by email (unique) and projects only the keys, and the table is on demand:
# its traffic is a few requests a second with bursts to thousands when a push notification
# brings everyone back at once, which provisioned capacity would pay for around the clock.

resource "aws_dynamodb_table" "profiles" {
  name         = "profiles"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "PK"

  attribute {
    name = "PK"
    type = "S"
  }

  attribute {
    name = "email"
    type = "S"
  }

  # Sign-in: find the user by email.
  global_secondary_index {
    name            = "by_email"
    hash_key        = "email"
    projection_type = "KEYS_ONLY"
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = {
    Team = "identity"
  }
}

# Game scores, as the team shipped them.
#
# Each finished game writes one score item, keyed by player. The daily leaderboard reads the
# `by_day` index: its partition key is the calendar day the score was written (`DAY#2026-01-01`),
# so every score of a day goes to one index key, and one key lives on one partition (1,000
# write units per second, whatever the index is provisioned for).

variable "index_write_capacity" {
  description = "Write capacity of the daily leaderboard index."
  type        = number
  default     = 3000
}

resource "aws_dynamodb_table" "scores" {
  name           = "scores"
  billing_mode   = "PROVISIONED"
  read_capacity  = 500
  write_capacity = 3000
  hash_key       = "PK"
  range_key      = "SK"

  attribute {
    name = "PK"
    type = "S"
  }

  attribute {
    name = "SK"
    type = "S"
  }

  attribute {
    name = "day"
    type = "S"
  }

  attribute {
    name = "score"
    type = "N"
  }

  # Today's leaderboard: the day's scores, highest first.
  global_secondary_index {
    name            = "by_day"
    hash_key        = "day"
    range_key       = "score"
    projection_type = "INCLUDE"
    non_key_attributes = ["player_name"]
    read_capacity   = 500
    write_capacity  = var.index_write_capacity
  }

  tags = {
    Team = "games"
  }
}

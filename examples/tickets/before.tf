# Ticket sales, as the team shipped them.
#
# One table for events and their bookings: an event's item (`PK = EVENT#<id>`, `SK = EVENT`)
# holds the seats `remaining`, and every booking of the event is written under the same
# partition key (`SK = BOOKING#<id>`). Sales open at 10:00 UTC every day. `by_status` lists
# events by status for the home page and projects ALL; `by_customer` holds a customer's
# bookings. Provisioned at 4,000 RCU / 3,000 WCU, with write auto scaling up to 40,000 WCU
# "to be safe".

resource "aws_dynamodb_table" "tickets" {
  name           = "tickets"
  billing_mode   = "PROVISIONED"
  read_capacity  = 4000
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
    name = "status"
    type = "S"
  }

  attribute {
    name = "customer_id"
    type = "S"
  }

  # The home page: events by status (on sale, scheduled, sold out).
  global_secondary_index {
    name            = "by_status"
    hash_key        = "status"
    range_key       = "SK"
    projection_type = "ALL"
    read_capacity   = 1000
    write_capacity  = 3000
  }

  # A customer's bookings.
  global_secondary_index {
    name            = "by_customer"
    hash_key        = "customer_id"
    range_key       = "SK"
    projection_type = "ALL"
    read_capacity   = 1000
    write_capacity  = 3000
  }

  tags = {
    Team = "ticketing"
  }
}

resource "aws_appautoscaling_target" "tickets_write" {
  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.tickets.name}"
  scalable_dimension = "dynamodb:table:WriteCapacityUnits"
  min_capacity       = 3000
  max_capacity       = 40000
}

resource "aws_appautoscaling_policy" "tickets_write" {
  name               = "DynamoDBWriteCapacityUtilization:${aws_appautoscaling_target.tickets_write.resource_id}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.tickets_write.service_namespace
  resource_id        = aws_appautoscaling_target.tickets_write.resource_id
  scalable_dimension = aws_appautoscaling_target.tickets_write.scalable_dimension

  target_tracking_scaling_policy_configuration {
    predefined_metric_specification {
      predefined_metric_type = "DynamoDBWriteCapacityUtilization"
    }
    target_value = 70
  }
}

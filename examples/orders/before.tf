# Orders table, as it runs in production today.
#
# This is the design whose problems the README walks through: `dynolab simulate` runs a
# workload against it and `dynolab advise` writes the fixed design. Every GSI is keyed on
# `user_type`, which has a handful of values, so each index concentrates its writes on a few
# partitions; and 5,000 RCU / 1,000 WCU plus 5 x 400 RCU / 500 WCU is paid for around the clock.

variable "environment" {
  description = "Deployment environment, used in tags."
  type        = string
  default     = "production"
}

variable "orders_read_capacity" {
  description = "Provisioned read capacity of the orders table (also the auto scaling floor)."
  type        = number
  default     = 5000
}

variable "orders_write_capacity" {
  description = "Provisioned write capacity of the orders table (also the auto scaling floor)."
  type        = number
  default     = 1000
}

variable "index_read_capacity" {
  type    = number
  default = 400
}

variable "index_write_capacity" {
  type    = number
  default = 500
}

locals {
  common_tags = {
    Team        = "checkout"
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}

resource "aws_dynamodb_table" "orders" {
  name           = "orders"
  billing_mode   = "PROVISIONED"
  read_capacity  = var.orders_read_capacity
  write_capacity = var.orders_write_capacity
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
    name = "user_type"
    type = "S"
  }

  attribute {
    name = "created_at"
    type = "S"
  }

  attribute {
    name = "amount"
    type = "N"
  }

  attribute {
    name = "status"
    type = "S"
  }

  attribute {
    name = "product_id"
    type = "S"
  }

  attribute {
    name = "region"
    type = "S"
  }

  # Dashboards list recent orders per customer type.
  global_secondary_index {
    name            = "gsi_user_type_created_at"
    hash_key        = "user_type"
    range_key       = "created_at"
    projection_type = "ALL"
    read_capacity   = var.index_read_capacity
    write_capacity  = var.index_write_capacity
  }

  # Finance: largest orders per customer type.
  global_secondary_index {
    name            = "gsi_user_type_amount"
    hash_key        = "user_type"
    range_key       = "amount"
    projection_type = "ALL"
    read_capacity   = var.index_read_capacity
    write_capacity  = var.index_write_capacity
  }

  # Support: orders by status.
  global_secondary_index {
    name            = "gsi_user_type_status"
    hash_key        = "user_type"
    range_key       = "status"
    projection_type = "ALL"
    read_capacity   = var.index_read_capacity
    write_capacity  = var.index_write_capacity
  }

  # Catalog: orders of a product.
  global_secondary_index {
    name            = "gsi_user_type_product_id"
    hash_key        = "user_type"
    range_key       = "product_id"
    projection_type = "ALL"
    read_capacity   = var.index_read_capacity
    write_capacity  = var.index_write_capacity
  }

  # Logistics: orders per region.
  global_secondary_index {
    name            = "gsi_user_type_region"
    hash_key        = "user_type"
    range_key       = "region"
    projection_type = "ALL"
    read_capacity   = var.index_read_capacity
    write_capacity  = var.index_write_capacity
  }

  # Old orders were meant to expire; never switched on.
  ttl {
    attribute_name = "expires_at"
    enabled        = false
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = merge(local.common_tags, {
    Service = "orders"
  })

  # Auto scaling moves the table's capacity; don't let terraform apply undo it.
  lifecycle {
    ignore_changes = [read_capacity, write_capacity]
  }
}

# Table auto scaling: target tracking at 70% utilization, between the provisioned capacity
# and twice that.

resource "aws_appautoscaling_target" "orders_read" {
  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.orders.name}"
  scalable_dimension = "dynamodb:table:ReadCapacityUnits"
  min_capacity       = var.orders_read_capacity
  max_capacity       = var.orders_read_capacity * 2
}

resource "aws_appautoscaling_policy" "orders_read" {
  name               = "DynamoDBReadCapacityUtilization:${aws_appautoscaling_target.orders_read.resource_id}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.orders_read.service_namespace
  resource_id        = aws_appautoscaling_target.orders_read.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_read.scalable_dimension

  target_tracking_scaling_policy_configuration {
    predefined_metric_specification {
      predefined_metric_type = "DynamoDBReadCapacityUtilization"
    }
    target_value = 70
  }
}

resource "aws_appautoscaling_target" "orders_write" {
  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.orders.name}"
  scalable_dimension = "dynamodb:table:WriteCapacityUnits"
  min_capacity       = var.orders_write_capacity
  max_capacity       = var.orders_write_capacity * 2
}

resource "aws_appautoscaling_policy" "orders_write" {
  name               = "DynamoDBWriteCapacityUtilization:${aws_appautoscaling_target.orders_write.resource_id}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.orders_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_write.scalable_dimension

  target_tracking_scaling_policy_configuration {
    predefined_metric_specification {
      predefined_metric_type = "DynamoDBWriteCapacityUtilization"
    }
    target_value = 70
  }
}

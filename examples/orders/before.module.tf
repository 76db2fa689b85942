# The orders table of before.tf, declared the way many teams do: a call of the community module
# terraform-aws-modules/dynamodb-table/aws. `dynolab advise --design before.module.tf` reads it
# as the same design and writes after.tf as a call of the same module.

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
  # Every index is keyed on the user type, sorted by one of these.
  index_sort_keys = ["created_at", "amount", "status", "product_id", "region"]

  common_tags = {
    Team        = "checkout"
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}

module "orders" {
  source  = "terraform-aws-modules/dynamodb-table/aws"
  version = "~> 4.2"

  name           = "orders"
  billing_mode   = "PROVISIONED"
  read_capacity  = var.orders_read_capacity
  write_capacity = var.orders_write_capacity
  hash_key       = "PK"
  range_key      = "SK"

  attributes = concat(
    [
      { name = "PK", type = "S" },
      { name = "SK", type = "S" },
      { name = "user_type", type = "S" },
    ],
    [for k in local.index_sort_keys : { name = k, type = k == "amount" ? "N" : "S" }],
  )

  global_secondary_indexes = [
    for k in local.index_sort_keys : {
      name            = "gsi_user_type_${k}"
      hash_key        = "user_type"
      range_key       = k
      projection_type = "ALL"
      read_capacity   = var.index_read_capacity
      write_capacity  = var.index_write_capacity
    }
  ]

  # Old orders were meant to expire; never switched on.
  ttl_enabled        = false
  ttl_attribute_name = "expires_at"

  point_in_time_recovery_enabled = true

  # Table auto scaling: target tracking at 70% utilization, between the provisioned capacity
  # and twice that.
  autoscaling_enabled = true
  autoscaling_read = {
    max_capacity = var.orders_read_capacity * 2
    target_value = 70
  }
  autoscaling_write = {
    max_capacity = var.orders_write_capacity * 2
    target_value = 70
  }

  tags = merge(local.common_tags, {
    Service = "orders"
  })
}

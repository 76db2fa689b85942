resource "aws_dynamodb_table" "orders" {
  name           = "orders"
  billing_mode   = "PROVISIONED"
  read_capacity  = 172
  write_capacity = 92
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
    name = "GSI1PK"
    type = "S"
  }

  attribute {
    name = "GSI1SK"
    type = "S"
  }

  global_secondary_index {
    name               = "GSI1"
    hash_key           = "GSI1PK"
    range_key          = "GSI1SK"
    projection_type    = "INCLUDE"
    non_key_attributes = ["amount", "created_at", "status"]
    read_capacity      = 43
    write_capacity     = 92
  }

  tags = {
    Environment = "production"
    ManagedBy   = "terraform"
    Service     = "orders"
    Team        = "checkout"
  }

  lifecycle {
    ignore_changes = [read_capacity, write_capacity]
  }
}

resource "aws_appautoscaling_target" "orders_table_read" {
  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.orders.name}"
  scalable_dimension = "dynamodb:table:ReadCapacityUnits"
  min_capacity       = 172
  max_capacity       = 343
}

resource "aws_appautoscaling_policy" "orders_table_read" {
  name               = "DynamoDBReadCapacityUtilization:${aws_appautoscaling_target.orders_table_read.resource_id}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.orders_table_read.service_namespace
  resource_id        = aws_appautoscaling_target.orders_table_read.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_table_read.scalable_dimension

  target_tracking_scaling_policy_configuration {
    predefined_metric_specification {
      predefined_metric_type = "DynamoDBReadCapacityUtilization"
    }

    target_value = 70
  }
}

resource "aws_appautoscaling_target" "orders_table_write" {
  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.orders.name}"
  scalable_dimension = "dynamodb:table:WriteCapacityUnits"
  min_capacity       = 92
  max_capacity       = 765
}

resource "aws_appautoscaling_policy" "orders_table_write" {
  name               = "DynamoDBWriteCapacityUtilization:${aws_appautoscaling_target.orders_table_write.resource_id}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.orders_table_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_table_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_table_write.scalable_dimension

  target_tracking_scaling_policy_configuration {
    predefined_metric_specification {
      predefined_metric_type = "DynamoDBWriteCapacityUtilization"
    }

    target_value = 70
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_table_write_0" {
  name               = "orders_table_write-0945"
  service_namespace  = aws_appautoscaling_target.orders_table_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_table_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_table_write.scalable_dimension
  schedule           = "cron(45 9 * * ? *)"

  scalable_target_action {
    min_capacity = 765
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_table_write_1" {
  name               = "orders_table_write-1020"
  service_namespace  = aws_appautoscaling_target.orders_table_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_table_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_table_write.scalable_dimension
  schedule           = "cron(20 10 * * ? *)"

  scalable_target_action {
    min_capacity = 92
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_table_write_2" {
  name               = "orders_table_write-1245"
  service_namespace  = aws_appautoscaling_target.orders_table_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_table_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_table_write.scalable_dimension
  schedule           = "cron(45 12 * * ? *)"

  scalable_target_action {
    min_capacity = 765
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_table_write_3" {
  name               = "orders_table_write-1320"
  service_namespace  = aws_appautoscaling_target.orders_table_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_table_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_table_write.scalable_dimension
  schedule           = "cron(20 13 * * ? *)"

  scalable_target_action {
    min_capacity = 92
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_table_write_4" {
  name               = "orders_table_write-1545"
  service_namespace  = aws_appautoscaling_target.orders_table_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_table_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_table_write.scalable_dimension
  schedule           = "cron(45 15 * * ? *)"

  scalable_target_action {
    min_capacity = 765
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_table_write_5" {
  name               = "orders_table_write-1620"
  service_namespace  = aws_appautoscaling_target.orders_table_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_table_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_table_write.scalable_dimension
  schedule           = "cron(20 16 * * ? *)"

  scalable_target_action {
    min_capacity = 92
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_table_write_6" {
  name               = "orders_table_write-2015"
  service_namespace  = aws_appautoscaling_target.orders_table_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_table_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_table_write.scalable_dimension
  schedule           = "cron(15 20 * * ? *)"

  scalable_target_action {
    min_capacity = 765
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_table_write_7" {
  name               = "orders_table_write-2050"
  service_namespace  = aws_appautoscaling_target.orders_table_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_table_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_table_write.scalable_dimension
  schedule           = "cron(50 20 * * ? *)"

  scalable_target_action {
    min_capacity = 92
    max_capacity = 765
  }
}

resource "aws_appautoscaling_target" "orders_index_GSI1_read" {
  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.orders.name}/index/GSI1"
  scalable_dimension = "dynamodb:index:ReadCapacityUnits"
  min_capacity       = 43
  max_capacity       = 85
}

resource "aws_appautoscaling_policy" "orders_index_GSI1_read" {
  name               = "DynamoDBReadCapacityUtilization:${aws_appautoscaling_target.orders_index_GSI1_read.resource_id}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.orders_index_GSI1_read.service_namespace
  resource_id        = aws_appautoscaling_target.orders_index_GSI1_read.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_index_GSI1_read.scalable_dimension

  target_tracking_scaling_policy_configuration {
    predefined_metric_specification {
      predefined_metric_type = "DynamoDBReadCapacityUtilization"
    }

    target_value = 70
  }
}

resource "aws_appautoscaling_target" "orders_index_GSI1_write" {
  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.orders.name}/index/GSI1"
  scalable_dimension = "dynamodb:index:WriteCapacityUnits"
  min_capacity       = 92
  max_capacity       = 765
}

resource "aws_appautoscaling_policy" "orders_index_GSI1_write" {
  name               = "DynamoDBWriteCapacityUtilization:${aws_appautoscaling_target.orders_index_GSI1_write.resource_id}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.orders_index_GSI1_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_index_GSI1_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_index_GSI1_write.scalable_dimension

  target_tracking_scaling_policy_configuration {
    predefined_metric_specification {
      predefined_metric_type = "DynamoDBWriteCapacityUtilization"
    }

    target_value = 70
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_index_GSI1_write_0" {
  name               = "orders_index_GSI1_write-0945"
  service_namespace  = aws_appautoscaling_target.orders_index_GSI1_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_index_GSI1_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_index_GSI1_write.scalable_dimension
  schedule           = "cron(45 9 * * ? *)"

  scalable_target_action {
    min_capacity = 765
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_index_GSI1_write_1" {
  name               = "orders_index_GSI1_write-1020"
  service_namespace  = aws_appautoscaling_target.orders_index_GSI1_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_index_GSI1_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_index_GSI1_write.scalable_dimension
  schedule           = "cron(20 10 * * ? *)"

  scalable_target_action {
    min_capacity = 92
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_index_GSI1_write_2" {
  name               = "orders_index_GSI1_write-1245"
  service_namespace  = aws_appautoscaling_target.orders_index_GSI1_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_index_GSI1_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_index_GSI1_write.scalable_dimension
  schedule           = "cron(45 12 * * ? *)"

  scalable_target_action {
    min_capacity = 765
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_index_GSI1_write_3" {
  name               = "orders_index_GSI1_write-1320"
  service_namespace  = aws_appautoscaling_target.orders_index_GSI1_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_index_GSI1_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_index_GSI1_write.scalable_dimension
  schedule           = "cron(20 13 * * ? *)"

  scalable_target_action {
    min_capacity = 92
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_index_GSI1_write_4" {
  name               = "orders_index_GSI1_write-1545"
  service_namespace  = aws_appautoscaling_target.orders_index_GSI1_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_index_GSI1_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_index_GSI1_write.scalable_dimension
  schedule           = "cron(45 15 * * ? *)"

  scalable_target_action {
    min_capacity = 765
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_index_GSI1_write_5" {
  name               = "orders_index_GSI1_write-1620"
  service_namespace  = aws_appautoscaling_target.orders_index_GSI1_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_index_GSI1_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_index_GSI1_write.scalable_dimension
  schedule           = "cron(20 16 * * ? *)"

  scalable_target_action {
    min_capacity = 92
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_index_GSI1_write_6" {
  name               = "orders_index_GSI1_write-2015"
  service_namespace  = aws_appautoscaling_target.orders_index_GSI1_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_index_GSI1_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_index_GSI1_write.scalable_dimension
  schedule           = "cron(15 20 * * ? *)"

  scalable_target_action {
    min_capacity = 765
    max_capacity = 765
  }
}

resource "aws_appautoscaling_scheduled_action" "orders_index_GSI1_write_7" {
  name               = "orders_index_GSI1_write-2050"
  service_namespace  = aws_appautoscaling_target.orders_index_GSI1_write.service_namespace
  resource_id        = aws_appautoscaling_target.orders_index_GSI1_write.resource_id
  scalable_dimension = aws_appautoscaling_target.orders_index_GSI1_write.scalable_dimension
  schedule           = "cron(50 20 * * ? *)"

  scalable_target_action {
    min_capacity = 92
    max_capacity = 765
  }
}

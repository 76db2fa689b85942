//! Tagging through the AWS SDK for Rust: CreateTable's tags, TagResource, UntagResource and a
//! paginated ListTagsOfResource, kept across a restart of a durable server.

use aws_sdk_dynamodb::types::Tag;

use crate::support;

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().unwrap()
}

async fn all_tags(client: &aws_sdk_dynamodb::Client, arn: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_tags_of_resource()
            .resource_arn(arn)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        out.extend(
            page.tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string())),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return out;
        }
    }
}

#[tokio::test]
async fn tags_through_the_sdk_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = support::start_durable(dir.path());
    let client = support::client(&server);
    let created = support::hash_table(&client, "tagged")
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    let arn = created
        .table_description()
        .unwrap()
        .table_arn()
        .unwrap()
        .to_string();
    let mut more = client.tag_resource().resource_arn(&arn);
    for i in 0..24 {
        more = more.tags(tag(&format!("k{i:02}"), "v"));
    }
    more.send().await.unwrap();
    client
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("k00")
        .send()
        .await
        .unwrap();
    let before = all_tags(&client, &arn).await;
    assert_eq!(before.len(), 24);
    assert!(before.contains(&("env".into(), "prod".into())));

    let err = client
        .tag_resource()
        .resource_arn(format!("{arn}-missing"))
        .tags(tag("a", "b"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");

    drop(client);
    drop(server);
    let server = support::start_durable(dir.path());
    let client = support::client(&server);
    assert_eq!(all_tags(&client, &arn).await, before);

    // Deleting the table removes its tags with it.
    client
        .delete_table()
        .table_name("tagged")
        .send()
        .await
        .unwrap();
    support::hash_table(&client, "tagged").send().await.unwrap();
    assert_eq!(all_tags(&client, &arn).await, vec![]);
}

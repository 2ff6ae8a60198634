//! The hooks table through the DynamoDB SDK: the two items of a hook (see [`crate::hook`]) written and
//! deleted together, so that a hook is either reachable from its URL and listed, or neither.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};

use crate::hook::{HOOK_SORT_PREFIX, Hook, hook_key, tenant_partition, token_key};

/// The table did not answer as expected.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another request changed the same hook at the same moment (a transaction's condition failed):
    /// the caller may retry.
    #[error("the hook was changed by another request at the same time")]
    Conflict,
    /// DynamoDB failed or could not be reached; the reason is safe to show.
    #[error("the hooks table failed: {0}")]
    Failed(String),
    /// An item lacks an attribute every hook item has: written by something else.
    #[error("a stored hook lacks {0}")]
    Corrupt(&'static str),
}

impl StoreError {
    fn from_sdk<E, R>(error: &aws_sdk_dynamodb::error::SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        tracing::error!(error = %DisplayErrorContext(error), "hooks table call failed");
        if error.code() == Some("TransactionCanceledException")
            || error.code() == Some("ConditionalCheckFailedException")
        {
            return Self::Conflict;
        }
        Self::Failed(error.code().unwrap_or("unreachable or timed out").to_owned())
    }
}

/// One page of a tenant's hooks.
#[derive(Debug)]
pub struct Page {
    pub hooks: Vec<Hook>,
    /// Where the next page starts (the last hook's sort key), when there may be one.
    pub next: Option<String>,
}

/// The hooks table.
#[derive(Debug, Clone)]
pub struct HookStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl HookStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The hook a token's hash names, from its token item. `consistent` reads the latest write (the
    /// management API); a delivery reads eventually consistent, at half the price.
    pub async fn by_token_hash(&self, token_hash: &str, consistent: bool) -> Result<Option<Hook>, StoreError> {
        self.get(token_key(token_hash), consistent).await
    }

    /// The hook of (tenant, datasource, event), read consistently.
    pub async fn by_name(&self, tenant_id: &str, datasource: &str, event: &str) -> Result<Option<Hook>, StoreError> {
        self.get(hook_key(tenant_id, datasource, event), true).await
    }

    async fn get(&self, (pk, sk): (String, String), consistent: bool) -> Result<Option<Hook>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk))
            .key("sk", AttributeValue::S(sk))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(|error| StoreError::from_sdk(&error))?;
        output.item.as_ref().map(from_item).transpose()
    }

    /// Writes a new hook's two items; [`StoreError::Conflict`] when either exists already.
    pub async fn create(&self, hook: &Hook) -> Result<(), StoreError> {
        let put = |(pk, sk): (String, String)| -> Result<TransactWriteItem, StoreError> {
            let mut item = to_item(hook);
            item.insert("pk".into(), AttributeValue::S(pk));
            item.insert("sk".into(), AttributeValue::S(sk));
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(|error| StoreError::Failed(error.to_string()))?;
            Ok(TransactWriteItem::builder().put(put).build())
        };
        self.client
            .transact_write_items()
            .transact_items(put(hook.hook_key())?)
            .transact_items(put(hook.token_key())?)
            .send()
            .await
            .map_err(|error| StoreError::from_sdk(&error))?;
        Ok(())
    }

    /// Sets or removes the `tsField` of both items of an existing hook.
    pub async fn set_ts_field(&self, hook: &Hook, ts_field: Option<&str>) -> Result<(), StoreError> {
        let update = |(pk, sk): (String, String)| -> Result<TransactWriteItem, StoreError> {
            let builder = Update::builder()
                .table_name(&self.table)
                .key("pk", AttributeValue::S(pk))
                .key("sk", AttributeValue::S(sk))
                .condition_expression("attribute_exists(pk) AND tokenHash = :token")
                .expression_attribute_values(":token", AttributeValue::S(hook.token_hash.clone()));
            let builder = match ts_field {
                Some(path) => builder
                    .update_expression("SET tsField = :ts")
                    .expression_attribute_values(":ts", AttributeValue::S(path.to_owned())),
                None => builder.update_expression("REMOVE tsField"),
            };
            let update = builder.build().map_err(|error| StoreError::Failed(error.to_string()))?;
            Ok(TransactWriteItem::builder().update(update).build())
        };
        self.client
            .transact_write_items()
            .transact_items(update(hook.hook_key())?)
            .transact_items(update(hook.token_key())?)
            .send()
            .await
            .map_err(|error| StoreError::from_sdk(&error))?;
        Ok(())
    }

    /// Deletes both items of a hook: its URL stops working once the deliveries' caches expire.
    pub async fn delete(&self, hook: &Hook) -> Result<(), StoreError> {
        let delete = |(pk, sk): (String, String)| -> Result<TransactWriteItem, StoreError> {
            let delete = Delete::builder()
                .table_name(&self.table)
                .key("pk", AttributeValue::S(pk))
                .key("sk", AttributeValue::S(sk))
                .build()
                .map_err(|error| StoreError::Failed(error.to_string()))?;
            Ok(TransactWriteItem::builder().delete(delete).build())
        };
        self.client
            .transact_write_items()
            .transact_items(delete(hook.hook_key())?)
            .transact_items(delete(hook.token_key())?)
            .send()
            .await
            .map_err(|error| StoreError::from_sdk(&error))?;
        Ok(())
    }

    /// Up to `limit` hooks of a tenant in name order, after the sort key `after` (a previous page's
    /// `next`). The partition is the caller's own, so `after` cannot reach another tenant's hooks.
    pub async fn list(&self, tenant_id: &str, limit: i32, after: Option<&str>) -> Result<Page, StoreError> {
        let partition = tenant_partition(tenant_id);
        let start = after.map(|sort_key| {
            HashMap::from([
                ("pk".to_owned(), AttributeValue::S(partition.clone())),
                ("sk".to_owned(), AttributeValue::S(sort_key.to_owned())),
            ])
        });
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", AttributeValue::S(partition))
            .expression_attribute_values(":prefix", AttributeValue::S(HOOK_SORT_PREFIX.to_owned()))
            .limit(limit)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|error| StoreError::from_sdk(&error))?;
        let hooks = output.items().iter().map(from_item).collect::<Result<Vec<_>, _>>()?;
        let next = output
            .last_evaluated_key()
            .and_then(|key| key.get("sk"))
            .and_then(|value| value.as_s().ok())
            .cloned();
        Ok(Page { hooks, next })
    }
}

/// A hook's attributes, without its key.
fn to_item(hook: &Hook) -> HashMap<String, AttributeValue> {
    let mut item = HashMap::from([
        ("tenantId".to_owned(), AttributeValue::S(hook.tenant_id.clone())),
        ("datasource".to_owned(), AttributeValue::S(hook.datasource.clone())),
        ("event".to_owned(), AttributeValue::S(hook.event.clone())),
        ("createdAt".to_owned(), AttributeValue::S(hook.created_at.clone())),
        ("tokenHash".to_owned(), AttributeValue::S(hook.token_hash.clone())),
        (
            "apiTokenHash".to_owned(),
            AttributeValue::S(hook.api_token_hash.clone()),
        ),
    ]);
    if let Some(path) = &hook.ts_field {
        item.insert("tsField".to_owned(), AttributeValue::S(path.clone()));
    }
    item
}

fn from_item(item: &HashMap<String, AttributeValue>) -> Result<Hook, StoreError> {
    let text = |name: &'static str| -> Result<String, StoreError> {
        item.get(name)
            .and_then(|value| value.as_s().ok())
            .cloned()
            .ok_or(StoreError::Corrupt(name))
    };
    Ok(Hook {
        tenant_id: text("tenantId")?,
        datasource: text("datasource")?,
        event: text("event")?,
        ts_field: item.get("tsField").and_then(|value| value.as_s().ok()).cloned(),
        created_at: text("createdAt")?,
        token_hash: text("tokenHash")?,
        api_token_hash: text("apiTokenHash")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_round_trip_and_keep_no_secret() {
        let hook = Hook::new(
            "t",
            "github",
            "push",
            Some("a.b".into()),
            "now".into(),
            "api-secret",
            "tok-secret",
        )
        .unwrap();
        let item = to_item(&hook);
        assert_eq!(from_item(&item).unwrap(), hook);
        assert!(!format!("{item:?}").contains("secret"));
        let mut broken = item;
        broken.remove("tokenHash");
        assert!(matches!(from_item(&broken), Err(StoreError::Corrupt("tokenHash"))));
    }
}

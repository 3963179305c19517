//! The session store: Redis when configured, memory otherwise (single instance only).

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::MemoryStore;
use tower_sessions_redis_store::fred::clients::Pool;
use tower_sessions_redis_store::RedisStore;

#[derive(Debug, Clone)]
pub enum Store {
    Redis(RedisStore<Pool>),
    Memory(MemoryStore),
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Store::Redis(s) => s.create(record).await,
            Store::Memory(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Store::Redis(s) => s.save(record).await,
            Store::Memory(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Store::Redis(s) => s.load(id).await,
            Store::Memory(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Store::Redis(s) => s.delete(id).await,
            Store::Memory(s) => s.delete(id).await,
        }
    }
}

//! What the benchmarks share: a database of their own, dropped when it goes (also after a panic), and
//! percentiles of sorted samples.

#![allow(dead_code)]

use sqlx::{Connection, Executor, PgConnection};

pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database created for one benchmark run.
pub struct BenchDb {
    pub name: String,
    pub url: String,
}

impl BenchDb {
    pub async fn create() -> BenchDb {
        let name = format!("aiseo_bench_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(PG_ADMIN_URL).await.expect("connect to Postgres at 127.0.0.1:5432");
        conn.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create bench database");
        BenchDb { url: format!("postgres://postgres@127.0.0.1:5432/{name}"), name }
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the benchmark's runtime: do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect(PG_ADMIN_URL).await {
                    if let Err(e) = conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await
                    {
                        eprintln!("could not drop database {name}: {e}");
                    }
                }
            });
        })
        .join();
    }
}

/// The `p`-quantile (0..1) of ascending `sorted` samples, nearest rank; NaN when there are none.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

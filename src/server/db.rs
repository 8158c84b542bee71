//! The database: `DATABASE_URL` or the embedded cluster, migrated before use.

use super::config::{Config, DatabaseSource};
use super::embedded_pg::{EmbeddedError, EmbeddedPostgres, DATABASE};
use super::sessions;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error(transparent)]
    Embedded(#[from] EmbeddedError),
    #[error("cannot connect to the database: {0}")]
    Connect(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(String),
}

/// An open pool, and the embedded cluster behind it when there is one.
pub struct Database {
    pub pool: PgPool,
    embedded: Option<EmbeddedPostgres>,
}

impl Database {
    pub async fn open(config: &Config) -> Result<Self, DatabaseError> {
        let options =
            PgPoolOptions::new().max_connections(config.db_pool_size).acquire_timeout(config.db_acquire_timeout);
        let (pool, embedded) = match &config.database {
            DatabaseSource::Url(url) => (options.connect(url).await.map_err(DatabaseError::Connect)?, None),
            DatabaseSource::Embedded { data_dir, bin_dir } => {
                let cluster = EmbeddedPostgres::start(data_dir, bin_dir.as_deref(), &[]).await?;
                let pool =
                    options.connect_with(cluster.connect_options(DATABASE)).await.map_err(DatabaseError::Connect)?;
                (pool, Some(cluster))
            }
        };
        Ok(Self { pool, embedded })
    }

    /// As `open`, but an external database is connected to on first use: for the gate, which
    /// must start (on its cached state) while Postgres is down.
    pub async fn open_lazy(config: &Config) -> Result<Self, DatabaseError> {
        match &config.database {
            DatabaseSource::Url(url) => {
                let options = PgPoolOptions::new()
                    .max_connections(config.db_pool_size)
                    .acquire_timeout(config.db_acquire_timeout);
                Ok(Self { pool: options.connect_lazy(url).map_err(DatabaseError::Connect)?, embedded: None })
            }
            DatabaseSource::Embedded { .. } => Self::open(config).await,
        }
    }

    /// Closes the pool and gives up the embedded cluster (stopping it if no other process uses it).
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = self.embedded {
            if let Err(err) = cluster.release().await {
                tracing::error!(error = %err, "could not stop the embedded PostgreSQL");
            }
        }
    }
}

/// Brings the schema up to date: Pitwall's migrations and the session store's table.
pub async fn migrate(pool: &PgPool) -> Result<(), DatabaseError> {
    sqlx::migrate!().run(pool).await.map_err(|e| DatabaseError::Migrate(e.to_string()))?;
    sessions::store(pool).migrate().await.map_err(|e| DatabaseError::Migrate(e.to_string()))
}

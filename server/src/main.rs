//! `server`: runs the web app, or one of the admin commands.

use clap::{Parser, Subcommand};
use server::{telemetry, Config};

/// jemalloc rather than the system allocator: it returns memory freed after bursts (ten thousand streams
/// opening at once) instead of keeping it fragmented.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, compiled in (`_RJEM_MALLOC_CONF` in the environment still overrides them): a
/// background thread gives freed pages back to the system a second after they were freed
/// (`dirty_decay_ms`), even while the process makes no further allocations. Without it, jemalloc purges
/// only when it is next called and keeps pages for 10 s: the buffers hyper frees when a live stream
/// leaves it stayed resident, 11.6 KB a stream in RSS where the streams themselves hold 3.5 KB (`cargo
/// bench -p server --bench live`).
#[allow(non_upper_case_globals)]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static malloc_conf: MallocConf = MallocConf(c"background_thread:true,dirty_decay_ms:1000".as_ptr());

/// A C string pointer, as jemalloc declares `malloc_conf` (`const char *`).
#[repr(transparent)]
pub struct MallocConf(*const std::ffi::c_char);
// SAFETY: it points at a string literal, which is immutable and lives for the whole program.
unsafe impl Sync for MallocConf {}

#[derive(Parser)]
#[command(name = "server", version, about = "AI SEO Architects: web app and admin commands")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Run agent tasks only (no web app): scale workers out on other machines. WORKER_CONCURRENCY tasks
    /// at once (at least 1).
    Worker,
    /// Audit a site without the web app or a database: crawl, run the checks, print a summary and write the
    /// issues.
    Audit {
        /// The site's start URL (https:// is assumed when no scheme is given).
        url: String,
        #[arg(long, default_value_t = 500)]
        max_pages: usize,
        #[arg(long, default_value_t = 10)]
        max_depth: u32,
        /// Seconds the crawl may take.
        #[arg(long, default_value_t = 600)]
        time_budget: u64,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Allow loopback and private addresses (a site on this machine or the LAN); link-local and
        /// metadata addresses stay refused.
        #[arg(long)]
        allow_private: bool,
        /// Issues as `json` or `csv`.
        #[arg(long, default_value = "json")]
        format: String,
        /// Write the issues here instead of standard output (the summary then goes to standard output).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Also write every crawled page's row here (the columns of the web app's page export), in the
        /// same format.
        #[arg(long)]
        pages: Option<std::path::PathBuf>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Fill an empty database with a demo agency: users of each role, clients and campaigns.
    Seed {
        /// How many clients.
        #[arg(long, default_value_t = 300)]
        clients: usize,
        /// The same seed gives the same agency.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Create an admin account. Without --password one is generated and printed once.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
        #[arg(long, env = "CREATE_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    telemetry::init_logs(&cli.config.log_level, &cli.config.log_format);
    let _ = telemetry::metrics_handle();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), domain::DomainError> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let listener = tokio::net::TcpListener::bind(config.listen_addr)
                .await
                .map_err(|e| domain::DomainError::internal(format!("binding {}", config.listen_addr), e))?;
            tracing::info!(addr = %config.listen_addr, "listening");
            server::serve(config, listener, server::shutdown_signal()).await
        }
        Command::Worker => server::work(config, server::shutdown_signal()).await,
        Command::Audit { url, max_pages, max_depth, time_budget, concurrency, allow_private, format, out, pages } => {
            let options = server::audit::Options {
                url,
                max_pages,
                max_depth,
                time_budget,
                concurrency,
                allow_private,
                format,
                out,
                pages,
            };
            server::audit::run(options).await
        }
        Command::Migrate => {
            let pool = domain::store::pool(&config.database_url, 2)?;
            domain::store::migrate(&pool).await
        }
        Command::Seed { clients, seed } => {
            let pool = domain::store::pool(&config.database_url, 2)?;
            domain::store::migrate(&pool).await?;
            // The first admin comes before the demo users, so the bootstrap (which runs only on an empty
            // user table) still happens.
            server::bootstrap_admin(&pool, &config).await?;
            let s = domain::demo::seed(&pool, clients, seed).await?;
            println!(
                "demo data: {} users (password {}), {} clients, {} campaigns",
                s.users,
                domain::demo::DEMO_PASSWORD,
                s.clients,
                s.campaigns
            );
            Ok(())
        }
        Command::CreateAdmin { email, name, password } => {
            let pool = domain::store::pool(&config.database_url, 2)?;
            domain::store::migrate(&pool).await?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(domain::password::generate);
            let user = server::create_admin(&pool, &email, &name, &password).await?;
            println!("admin created: {} <{}>", user.name, user.email);
            if generated {
                println!("password (shown once): {password}");
            }
            Ok(())
        }
    }
}

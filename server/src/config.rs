//! Configuration from the environment (`KUKI_*`), parsed once at startup into types that are known to be valid.
//!
//! [`Config::from_lookup`] takes any `name -> value` function, so tests build a configuration without touching the
//! process environment; [`Config::from_env`] is the same over `std::env::var`.

use kuki_core::category::CategoryId;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Requests per minute per IP when `KUKI_RATE_LIMIT` is not set: a browser posts a handful of events per visit,
/// so 120 leaves room for a whole office behind one NAT address.
pub const DEFAULT_RATE_LIMIT: u32 = 120;

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub db: DbUrl,
    /// Origins besides the server's own that may POST and DELETE consents.
    pub allowed_origins: Vec<Origin>,
    pub site_dir: PathBuf,
    /// `None`: `/api/v1/stats` answers 401 to everyone.
    pub admin_token: Option<String>,
    /// Requests per minute per client IP; 0 turns the limit off.
    pub rate_limit: u32,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// The operator's allow-list of category ids (`KUKI_CATEGORIES`); `None` records any well-formed id.
    pub categories: Option<Vec<CategoryId>>,
    /// How much of the client address is stored with each event.
    pub ip_retention: IpRetention,
    /// The longest a request may take before it is answered 408 (503 for a write that could not commit).
    pub request_timeout: Duration,

    // Storage and evidence.
    /// Events one consent id may have (`KUKI_MAX_EVENTS_PER_ID`); past it a POST is 409 `history_full`.
    pub max_events_per_id: u32,
    /// SQLite only (`KUKI_SQLITE_WAL_MIB`): the size in MiB the write-ahead log may reach under sustained writes
    /// before a checkpoint restarts it, holding writes off for a moment. More disk, fewer of those moments.
    pub sqlite_wal_mib: u32,
    /// The receipt and checkpoint signing key (`KUKI_KEY_FILE`): next to the SQLite database by default,
    /// `data/kuki.key` for PostgreSQL. Never in the database.
    pub key_file: PathBuf,
    // --- The connection edge (issue 12) ---
    /// The server's own origin(s): writes from them are allowed like `allowed_origins`. From `KUKI_PUBLIC_URL`,
    /// else derived from `addr` (a loopback address also gives `http://localhost:PORT`); never from `Host`.
    pub own_origins: Vec<Origin>,
    /// How long a connection may take to send a complete request head, counted from when it starts waiting for
    /// one (so it also bounds a kept-alive connection's wait for its next request).
    pub header_timeout: Duration,
    /// A kept-alive connection with no request in flight for this long is closed.
    pub idle_timeout: Duration,
    /// Connections served at once; past it, new ones wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// Connections one client address (IPv6: its /64) may hold at once; past it, a new one is closed at once.
    /// Peers in `trusted_proxies` carry many clients and are not counted.
    pub max_connections_per_ip: usize,
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let err = |name: &'static str, message: String| ConfigError { var: name, message };

        let addr = match var("KUKI_ADDR") {
            Some(v) => v.parse().map_err(|e| err("KUKI_ADDR", format!("{v:?}: {e}")))?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let db = DbUrl::parse(&var("KUKI_DB").unwrap_or_else(|| "sqlite://data/kuki.db".into()))
            .map_err(|m| err("KUKI_DB", m))?;
        let allowed_origins = list(var("KUKI_ALLOWED_ORIGINS"))
            .map(|o| Origin::parse(&o))
            .collect::<Result<_, _>>()
            .map_err(|m| err("KUKI_ALLOWED_ORIGINS", m))?;
        let site_dir = PathBuf::from(var("KUKI_SITE_DIR").unwrap_or_else(|| "dist".into()));
        let admin_token = var("KUKI_ADMIN_TOKEN");
        if admin_token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(err("KUKI_ADMIN_TOKEN", "must be at least 16 characters".into()));
        }
        let rate_limit = match var("KUKI_RATE_LIMIT") {
            Some(v) => v.parse().map_err(|_| err("KUKI_RATE_LIMIT", format!("{v:?} is not a whole number")))?,
            None => DEFAULT_RATE_LIMIT,
        };
        let trusted_proxies = list(var("KUKI_TRUSTED_PROXIES"))
            .map(|p| IpNet::parse(&p))
            .collect::<Result<_, _>>()
            .map_err(|m| err("KUKI_TRUSTED_PROXIES", m))?;
        // An optional allow-list: unset (or empty) records any well-formed category id.
        let categories = var("KUKI_CATEGORIES")
            .map(|v| list(Some(v)).map(|c| CategoryId::parse(&c)).collect::<Result<Vec<_>, _>>())
            .transpose()
            .map_err(|m| err("KUKI_CATEGORIES", m))?;
        if categories.as_ref().is_some_and(Vec::is_empty) {
            return Err(err("KUKI_CATEGORIES", "needs at least one category (or leave it unset for any)".into()));
        }
        let ip_retention = match var("KUKI_STORE_IP").as_deref() {
            None | Some("prefix") => IpRetention::Prefix,
            Some("none") => IpRetention::None,
            Some(v) => return Err(err("KUKI_STORE_IP", format!("{v:?}: expected `prefix` or `none`"))),
        };
        let request_timeout = match var("KUKI_REQUEST_TIMEOUT_SECS") {
            Some(v) => Duration::from_secs(
                v.parse().ok().filter(|&s: &u64| s > 0).ok_or_else(|| err("KUKI_REQUEST_TIMEOUT_SECS", v.clone()))?,
            ),
            None => Duration::from_secs(10),
        };
        let (max_events_per_id, key_file) = storage(&var, &db)?;
        let sqlite_wal_mib = match var("KUKI_SQLITE_WAL_MIB") {
            Some(v) => v.parse().ok().filter(|&n: &u32| (4..=65536).contains(&n)).ok_or_else(|| {
                err("KUKI_SQLITE_WAL_MIB", format!("{v:?} is not a whole number of MiB from 4 to 65536"))
            })?,
            None => crate::store::DEFAULT_SQLITE_WAL_MIB,
        };
        let edge = Edge::from_lookup(&var, addr)?;
        Ok(Config {
            max_events_per_id,
            sqlite_wal_mib,
            key_file,
            own_origins: edge.own_origins,
            header_timeout: edge.header_timeout,
            idle_timeout: edge.idle_timeout,
            max_connections: edge.max_connections,
            max_connections_per_ip: edge.max_connections_per_ip,
            addr,
            db,
            allowed_origins,
            site_dir,
            admin_token,
            rate_limit,
            trusted_proxies,
            categories,
            ip_retention,
            request_timeout,
        })
    }
}

/// The storage and evidence block: `KUKI_MAX_EVENTS_PER_ID`, `KUKI_KEY_FILE`.
fn storage(var: &dyn Fn(&str) -> Option<String>, db: &DbUrl) -> Result<(u32, PathBuf), ConfigError> {
    let max_events_per_id = match var("KUKI_MAX_EVENTS_PER_ID") {
        Some(v) => v.parse().ok().filter(|&n: &u32| n > 0).ok_or_else(|| ConfigError {
            var: "KUKI_MAX_EVENTS_PER_ID",
            message: format!("{v:?} is not a whole number above 0"),
        })?,
        None => crate::store::DEFAULT_MAX_EVENTS_PER_ID,
    };
    let key_file = match (var("KUKI_KEY_FILE"), db) {
        (Some(v), _) => PathBuf::from(v),
        (None, DbUrl::Sqlite(path)) => path.parent().unwrap_or(std::path::Path::new("")).join("kuki.key"),
        (None, DbUrl::Postgres(_)) => PathBuf::from("data/kuki.key"),
    };
    Ok((max_events_per_id, key_file))
}

impl Config {
    /// The limits the store enforces.
    pub fn store_options(&self) -> crate::store::StoreOptions {
        crate::store::StoreOptions {
            max_events_per_id: self.max_events_per_id,
            wal_restart_bytes: u64::from(self.sqlite_wal_mib) << 20,
        }
    }
}

/// Defaults of the connection edge: a request head within 10 s, kept-alive connections closed after 5 s without a
/// request (browsers reopen one in a round trip), 4096 connections at once (far above what a consent endpoint
/// sees), and 256 of them per client address (a browser opens six per host; this leaves room for an office behind
/// one NAT address, and keeps one address from taking every place with slow request heads).
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;
pub const DEFAULT_IDLE_TIMEOUT_SECS: u64 = 5;
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
pub const DEFAULT_MAX_CONNECTIONS_PER_IP: usize = 256;

/// The connection edge's variables, parsed apart from the rest so the two blocks change independently.
struct Edge {
    own_origins: Vec<Origin>,
    header_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
    max_connections_per_ip: usize,
}

impl Edge {
    fn from_lookup(var: &dyn Fn(&str) -> Option<String>, addr: SocketAddr) -> Result<Edge, ConfigError> {
        let err = |name: &'static str, message: String| ConfigError { var: name, message };
        let positive = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match var(name) {
                Some(v) => v
                    .parse()
                    .ok()
                    .filter(|&n: &u64| n > 0)
                    .ok_or_else(|| err(name, format!("{v:?} is not a whole number above 0"))),
                None => Ok(default),
            }
        };
        let own_origins = match var("KUKI_PUBLIC_URL") {
            Some(v) => vec![Origin::parse(&v).map_err(|m| err("KUKI_PUBLIC_URL", m))?],
            None => default_own_origins(addr),
        };
        let max_connections = positive("KUKI_MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS as u64)?;
        let per_ip = positive("KUKI_MAX_CONNECTIONS_PER_IP", DEFAULT_MAX_CONNECTIONS_PER_IP as u64)?;
        Ok(Edge {
            own_origins,
            header_timeout: Duration::from_secs(positive("KUKI_HEADER_TIMEOUT_SECS", DEFAULT_HEADER_TIMEOUT_SECS)?),
            idle_timeout: Duration::from_secs(positive("KUKI_IDLE_TIMEOUT_SECS", DEFAULT_IDLE_TIMEOUT_SECS)?),
            max_connections: usize::try_from(max_connections).unwrap_or(usize::MAX),
            max_connections_per_ip: usize::try_from(per_ip).unwrap_or(usize::MAX),
        })
    }
}

/// `http://ADDR` for the listen address; an unspecified address (`0.0.0.0`, `::`) stands for loopback, and a
/// loopback address also gives `http://localhost:PORT`, the two names a developer types.
pub fn default_own_origins(addr: SocketAddr) -> Vec<Origin> {
    let port = addr.port();
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let mut out =
        vec![Origin::parse(&format!("http://{}", SocketAddr::new(ip, port))).expect("an address is an origin")];
    if ip.is_loopback() {
        out.push(Origin::parse(&format!("http://localhost:{port}")).expect("localhost is an origin"));
    }
    out
}

fn list(v: Option<String>) -> impl Iterator<Item = String> {
    v.unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
}

/// Where the records live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbUrl {
    /// `sqlite://path` (relative to the working directory) or `sqlite:///absolute/path`.
    Sqlite(PathBuf),
    /// `postgres://...` or `postgresql://...`, passed to the driver as is.
    Postgres(String),
}

impl DbUrl {
    pub fn parse(s: &str) -> Result<DbUrl, String> {
        if let Some(path) = s.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// needs a file path".into());
            }
            Ok(DbUrl::Sqlite(PathBuf::from(path)))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(DbUrl::Postgres(s.to_owned()))
        } else {
            Err("expected sqlite://PATH or postgres://...".into())
        }
    }
}

/// What part of a client address is stored: the /24 (IPv4) or /48 (IPv6) network, or nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpRetention {
    Prefix,
    None,
}

impl IpRetention {
    /// The stored form of `ip`, never the full address.
    pub fn apply(self, ip: IpAddr) -> Option<String> {
        match self {
            IpRetention::None => None,
            IpRetention::Prefix => Some(ip_prefix(ip)),
        }
    }
}

/// The network an address belongs to, as logs and records show it: `203.0.113.0/24`, `2001:db8:1::/48`.
pub fn ip_prefix(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0);
            format!("{net}/48")
        }
    }
}

/// A web origin, `scheme://host[:port]`, lowercase, without a default port, as browsers send it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin(String);

impl Origin {
    pub fn parse(s: &str) -> Result<Origin, String> {
        let s = s.trim().trim_end_matches('/').to_ascii_lowercase();
        let (scheme, rest) = s.split_once("://").ok_or_else(|| format!("origin {s:?} has no scheme"))?;
        if scheme != "http" && scheme != "https" {
            return Err(format!("origin {s:?}: only http and https"));
        }
        if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
            return Err(format!("origin {s:?} must be scheme://host[:port] only"));
        }
        let default_port = if scheme == "http" { ":80" } else { ":443" };
        let rest = rest.strip_suffix(default_port).unwrap_or(rest);
        Ok(Origin(format!("{scheme}://{rest}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An address range in CIDR notation (`10.0.0.0/8`, `::1/128`); a bare address is a range of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(s: &str) -> Result<IpNet, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| format!("{s:?} is not an IP address or CIDR range"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|&p| p <= max).ok_or_else(|| format!("{s:?}: bad prefix length"))?,
            None => max,
        };
        Ok(IpNet { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.var, self.message)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn an_empty_environment_gives_the_documented_defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(c.db, DbUrl::Sqlite("data/kuki.db".into()));
        assert_eq!(c.site_dir, PathBuf::from("dist"));
        assert_eq!(c.rate_limit, DEFAULT_RATE_LIMIT);
        assert_eq!(c.categories, None, "no allow-list: any well-formed category");
        assert_eq!(c.ip_retention, IpRetention::Prefix);
        assert!(c.admin_token.is_none());
        assert_eq!(c.max_events_per_id, 1000);
        assert_eq!(c.store_options().wal_restart_bytes, 256 << 20);
        assert_eq!(c.key_file, PathBuf::from("data/kuki.key"), "next to the database");
    }

    #[test]
    fn the_key_file_defaults_next_to_the_database_and_can_be_named() {
        assert_eq!(
            config(&[("KUKI_DB", "sqlite:///srv/kuki/k.db")]).unwrap().key_file,
            PathBuf::from("/srv/kuki/kuki.key")
        );
        assert_eq!(config(&[("KUKI_DB", "postgres://db/kuki")]).unwrap().key_file, PathBuf::from("data/kuki.key"));
        assert_eq!(config(&[("KUKI_KEY_FILE", "/run/secrets/k")]).unwrap().key_file, PathBuf::from("/run/secrets/k"));
        assert_eq!(config(&[("KUKI_MAX_EVENTS_PER_ID", "0")]).unwrap_err().var, "KUKI_MAX_EVENTS_PER_ID");
        assert_eq!(config(&[("KUKI_MAX_EVENTS_PER_ID", "50")]).unwrap().max_events_per_id, 50);
        assert_eq!(config(&[("KUKI_SQLITE_WAL_MIB", "16")]).unwrap().store_options().wal_restart_bytes, 16 << 20);
        for bad in ["0", "3", "lots", "-1", "70000"] {
            assert_eq!(config(&[("KUKI_SQLITE_WAL_MIB", bad)]).unwrap_err().var, "KUKI_SQLITE_WAL_MIB", "{bad}");
        }
    }

    #[test]
    fn a_bad_variable_is_named_in_the_error() {
        assert_eq!(config(&[("KUKI_RATE_LIMIT", "lots")]).unwrap_err().var, "KUKI_RATE_LIMIT");
        assert_eq!(config(&[("KUKI_DB", "mysql://x")]).unwrap_err().var, "KUKI_DB");
        assert_eq!(config(&[("KUKI_CATEGORIES", "Ads")]).unwrap_err().var, "KUKI_CATEGORIES");
        assert_eq!(config(&[("KUKI_ADMIN_TOKEN", "short")]).unwrap_err().var, "KUKI_ADMIN_TOKEN");
        assert_eq!(config(&[("KUKI_TRUSTED_PROXIES", "10.0.0.0/33")]).unwrap_err().var, "KUKI_TRUSTED_PROXIES");
    }

    #[test]
    fn kuki_categories_is_an_optional_allow_list() {
        let ids = |c: Config| c.categories.map(|l| l.iter().map(|id| id.to_string()).collect::<Vec<_>>());
        assert_eq!(ids(config(&[("KUKI_CATEGORIES", "")]).unwrap()), None);
        assert_eq!(
            ids(config(&[("KUKI_CATEGORIES", " necessary, ads ")]).unwrap()),
            Some(vec!["necessary".into(), "ads".into()])
        );
        assert_eq!(config(&[("KUKI_CATEGORIES", ",")]).unwrap_err().var, "KUKI_CATEGORIES");
    }

    #[test]
    fn the_connection_edge_has_defaults_and_refuses_zero() {
        let c = config(&[]).unwrap();
        assert_eq!(c.header_timeout, Duration::from_secs(DEFAULT_HEADER_TIMEOUT_SECS));
        assert_eq!(c.idle_timeout, Duration::from_secs(DEFAULT_IDLE_TIMEOUT_SECS));
        assert_eq!(c.max_connections, DEFAULT_MAX_CONNECTIONS);
        assert_eq!(c.max_connections_per_ip, DEFAULT_MAX_CONNECTIONS_PER_IP);
        for var in [
            "KUKI_HEADER_TIMEOUT_SECS",
            "KUKI_IDLE_TIMEOUT_SECS",
            "KUKI_MAX_CONNECTIONS",
            "KUKI_MAX_CONNECTIONS_PER_IP",
        ] {
            assert_eq!(config(&[(var, "0")]).unwrap_err().var, var);
            assert_eq!(config(&[(var, "soon")]).unwrap_err().var, var);
        }
        let c = config(&[("KUKI_HEADER_TIMEOUT_SECS", "3"), ("KUKI_MAX_CONNECTIONS", "64")]).unwrap();
        assert_eq!((c.header_timeout, c.max_connections), (Duration::from_secs(3), 64));
    }

    #[test]
    fn the_own_origin_comes_from_the_public_url_or_the_listen_address() {
        let own = |c: Config| c.own_origins.iter().map(|o| o.to_string()).collect::<Vec<_>>();
        assert_eq!(own(config(&[]).unwrap()), ["http://127.0.0.1:8080", "http://localhost:8080"]);
        assert_eq!(own(config(&[("KUKI_ADDR", "0.0.0.0:80")]).unwrap()), ["http://127.0.0.1", "http://localhost"]);
        assert_eq!(own(config(&[("KUKI_ADDR", "192.0.2.1:9000")]).unwrap()), ["http://192.0.2.1:9000"]);
        let public = config(&[("KUKI_PUBLIC_URL", "https://consent.example/")]).unwrap();
        assert_eq!(own(public), ["https://consent.example"]);
        assert_eq!(config(&[("KUKI_PUBLIC_URL", "consent.example")]).unwrap_err().var, "KUKI_PUBLIC_URL");
    }

    #[test]
    fn origins_are_normalised_like_browsers_send_them() {
        assert_eq!(Origin::parse("HTTPS://Example.com:443/").unwrap().as_str(), "https://example.com");
        assert_eq!(Origin::parse("http://localhost:3000").unwrap().as_str(), "http://localhost:3000");
        assert!(Origin::parse("example.com").is_err());
        assert!(Origin::parse("https://example.com/path").is_err());
        assert!(Origin::parse("ftp://example.com").is_err());
    }

    #[test]
    fn addresses_are_cut_to_their_network() {
        assert_eq!(ip_prefix("203.0.113.77".parse().unwrap()), "203.0.113.0/24");
        assert_eq!(ip_prefix("2001:db8:1:2:3:4:5:6".parse().unwrap()), "2001:db8:1::/48");
        assert_eq!(ip_prefix("::ffff:198.51.100.9".parse().unwrap()), "198.51.100.0/24");
        assert_eq!(IpRetention::None.apply("203.0.113.77".parse().unwrap()), None);
    }

    #[test]
    fn cidr_ranges_contain_their_addresses_only() {
        let net = IpNet::parse("10.1.0.0/16").unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(IpNet::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
        assert!(IpNet::parse("::1").unwrap().contains("::1".parse().unwrap()));
        assert!(!IpNet::parse("::1").unwrap().contains("127.0.0.1".parse().unwrap()));
    }
}

//! `session-cookie`: inspect and make session cookies in Flask 3.1's format or session-runtime's
//! native format, signed or encrypted, the way `flask-unsign` is used to debug Flask sessions.
//!
//! ```text
//! session-cookie decode [--format flask|native] (--secret S | --secret-hex H | --secret-env VAR)
//!                       [--fallback S]... [--name N] [--now UNIX_SECONDS] [--max-age SECONDS]
//!                       [--max-lifetime SECONDS] [--data-version N] [--future-skew SECONDS] VALUE
//! session-cookie decode --unsigned [--format flask|native] VALUE
//! session-cookie encode [--format flask|native] [--encrypted] (--secret S | ...) [--name N] [--now UNIX_SECONDS] [JSON|-]
//! ```
//!
//! A value of the encrypted format (`#[session(encrypted)]`) is recognised by its shape and opened
//! with the key (`sealed.rs`); without a key the tool says it is sealed and shows nothing else.
//!
//! The tool reads no cookie itself: `decode` is a front for the runtime's
//! `SecureCookieSessionInterface::inspect`, which runs every check a server runs (signature, age,
//! envelope, version, issue time, `max_lifetime`), and `--unsigned` for `inspect_unverified`. A
//! value `decode` calls `ok` is one a server with the same settings accepts.
//!
//! `decode` prints one JSON object: `{"status":"ok","timestamp":N,"session":{…}}` (exit 0) or
//! `{"status":"rejected","reason":"<Rejection kind>","detail":"…"}` (exit 1). Bad arguments or
//! input: a message on stderr and exit 2. A key under 16 bytes is used, with a warning on stderr.
#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::process::ExitCode;

use session_runtime::backend::EnvelopeJson;
use session_runtime::{
    Check, CookieConfig, FixedClock, Format, Inspection, Keys, Rejection, Schema, SecretKey,
    SecureCookieSessionInterface,
};

mod sealed;

const USAGE: &str = "\
session-cookie: inspect and make session cookies (Flask 3.1 format or session-runtime's native
format, signed or encrypted)

USAGE:
    session-cookie decode [OPTIONS] COOKIE_VALUE
    session-cookie decode --unsigned [--format F] COOKIE_VALUE
    session-cookie encode [OPTIONS] [JSON | -]        (JSON from stdin when absent or -)

KEY OPTIONS (one of them is required, except with --unsigned):
    --secret S           the secret key, as its UTF-8 bytes (Flask's SECRET_KEY as a str)
    --secret-hex H       the secret key as hex (a bytes SECRET_KEY)
    --secret-env VAR     the secret key from the environment variable VAR (keeps it out of `ps`)
    --fallback S         an older key that still verifies (SECRET_KEY_FALLBACKS); repeatable,
                         tried in the order given (put the newest first)
    --fallback-hex H     the same, as hex

OTHER OPTIONS:
    --format flask|native   wire format (default: flask)
    --name N                cookie name (default: session; the native format signs it)
    --salt S                key-derivation salt (default: cookie-session, Flask's)
    --now UNIX_SECONDS      the time to check or sign at (default: now)
    --max-age SECONDS       decode: the maximum age (default: 2678400, Flask's 31 days)
    --max-lifetime SECONDS  decode: the absolute limit from the issue time (the server's
                            `max_lifetime`; default: none)
    --data-version N        decode: the version of the server's session type
                            (`#[session(version = N)]`; default 1): newer data is refused as
                            the server refuses it; older data is reported as migrated (the
                            type's own migration is not run here)
    --future-skew SECONDS   decode: the clock skew the server allows (`with_future_skew`;
                            default 0), for the signing and the issue time
    --unsigned              decode: show the payload WITHOUT verifying anything (an encrypted
                            value shows nothing: it cannot be read without the key)
    --encrypted             encode: seal the value (session-runtime's encrypted format,
                            AES-256-GCM-SIV; implies --format native). decode recognises
                            encrypted values by their shape, without this flag
    -h, --help              this text
    -V, --version           the version

OUTPUT:
    decode  {\"status\":\"ok\",\"timestamp\":N,\"session\":{...}}                 exit 0
            {\"status\":\"rejected\",\"reason\":\"Expired\",\"detail\":\"...\"}    exit 1
            `ok` means a server with these settings accepts the value: every check it
            makes is made (signature, age, envelope, version, issue time, max lifetime),
            and `reason` is the rejection the server would log
            An encrypted value: {\"status\":\"ok\",\"format\":\"encrypted\",\"key\":\"current\"
            (or \"fallback 1\", ...),\"timestamp\":null,\"session\":{...}} (the signing time is
            sealed); without a key {\"status\":\"sealed\",...} and exit 1
            For the Flask format, `session` is the dict as Flask's tagged JSON holds it
            (tags such as {\" t\": [...]} included); for the native format, the envelope
            {\"v\": data, \"p\": permanent, \"f\": flashes}.
    encode  the cookie value, on one line                                       exit 0
    errors  a message on stderr                                                 exit 2
    A key under 16 bytes (Flask's \"dev\") is used, with a warning on stderr: it can be guessed
    offline from a single cookie.
";

/// A usage or input error: exit 2.
struct Usage(String);

fn usage(message: impl Into<String>) -> Usage {
    Usage(message.into())
}

#[derive(Default)]
struct Options {
    command: Option<String>,
    format: Option<Format>,
    current: Option<SecretKey>,
    fallbacks: Vec<SecretKey>,
    name: Option<String>,
    salt: Option<String>,
    now: Option<u64>,
    max_age: Option<u64>,
    max_lifetime: Option<u64>,
    data_version: Option<u32>,
    future_skew: Option<u64>,
    unsigned: bool,
    encrypted: bool,
    positional: Vec<String>,
    help: bool,
    version: bool,
    /// Printed on stderr before the command runs (weak keys).
    warnings: Vec<String>,
}

/// The warning for a key under 16 bytes given with `flag`: its length, never its bytes.
fn weak_key_warning(key: &SecretKey, flag: &str) -> Option<String> {
    key.is_weak().then(|| {
        format!(
            "the {flag} key is {} bytes long; a key under {} bytes can be guessed offline from a single \
             cookie (the Flask format signs with HMAC-SHA1 and binds no cookie name): use a long random \
             key, e.g. 32 random bytes with --secret-hex",
            key.len(),
            session_runtime::MIN_STRONG_KEY_LEN
        )
    })
}

fn key_from_text(text: &str, flag: &str) -> Result<SecretKey, Usage> {
    SecretKey::from_legacy(text.as_bytes()).map_err(|_| usage(format!("{flag}: the key is empty")))
}

fn key_from_hex(hex: &str, flag: &str) -> Result<SecretKey, Usage> {
    let hex = hex.trim();
    let bad = || usage(format!("{flag}: not hexadecimal (an even number of 0-9a-f digits)"));
    if !hex.len().is_multiple_of(2) {
        return Err(bad());
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)?;
    SecretKey::from_legacy(&bytes).map_err(|_| usage(format!("{flag}: the key is empty")))
}

fn parse_u64(text: &str, flag: &str) -> Result<u64, Usage> {
    text.parse().map_err(|_| usage(format!("{flag}: expected a whole number of seconds, got {text:?}")))
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Options, Usage> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    let set_current = |options: &mut Options, key: SecretKey, flag: &str| {
        options.warnings.extend(weak_key_warning(&key, flag));
        if options.current.replace(key).is_some() {
            return Err(usage("give one of --secret, --secret-hex, --secret-env"));
        }
        Ok(())
    };
    while let Some(arg) = args.next() {
        if arg == "--" {
            // Everything after `--` is positional (a value may start with `-`).
            for rest in args.by_ref() {
                if options.command.is_none() {
                    options.command = Some(rest);
                } else {
                    options.positional.push(rest);
                }
            }
            break;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |flag: &str| -> Result<String, Usage> {
            match inline.clone() {
                Some(value) => Ok(value),
                None => args.next().ok_or_else(|| usage(format!("{flag} needs a value"))),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => options.help = true,
            "-V" | "--version" => options.version = true,
            "--unsigned" => options.unsigned = true,
            "--encrypted" => options.encrypted = true,
            "--format" => {
                options.format = Some(match value("--format")?.as_str() {
                    "flask" => Format::Flask,
                    "native" => Format::Native,
                    other => return Err(usage(format!("--format: expected flask or native, got {other:?}"))),
                })
            }
            "--secret" => {
                let key = key_from_text(&value("--secret")?, "--secret")?;
                set_current(&mut options, key, "--secret")?;
            }
            "--secret-hex" => {
                let key = key_from_hex(&value("--secret-hex")?, "--secret-hex")?;
                set_current(&mut options, key, "--secret-hex")?;
            }
            "--secret-env" => {
                let var = value("--secret-env")?;
                let text = std::env::var(&var)
                    .map_err(|_| usage(format!("--secret-env: the environment variable {var} is not set")))?;
                let key = key_from_text(&text, "--secret-env")?;
                set_current(&mut options, key, "--secret-env")?;
            }
            "--fallback" => {
                let key = key_from_text(&value("--fallback")?, "--fallback")?;
                options.warnings.extend(weak_key_warning(&key, "--fallback"));
                options.fallbacks.push(key);
            }
            "--fallback-hex" => {
                let key = key_from_hex(&value("--fallback-hex")?, "--fallback-hex")?;
                options.warnings.extend(weak_key_warning(&key, "--fallback-hex"));
                options.fallbacks.push(key);
            }
            "--name" => options.name = Some(value("--name")?),
            "--salt" => options.salt = Some(value("--salt")?),
            "--now" => options.now = Some(parse_u64(&value("--now")?, "--now")?),
            "--max-age" => options.max_age = Some(parse_u64(&value("--max-age")?, "--max-age")?),
            "--max-lifetime" => {
                options.max_lifetime = Some(parse_u64(&value("--max-lifetime")?, "--max-lifetime")?)
            }
            "--future-skew" => {
                options.future_skew = Some(parse_u64(&value("--future-skew")?, "--future-skew")?)
            }
            "--data-version" => {
                let text = value("--data-version")?;
                let version = text.parse().ok().filter(|&version| version > 0).ok_or_else(|| {
                    usage(format!("--data-version: expected a version number from 1, got {text:?}"))
                })?;
                options.data_version = Some(version);
            }
            "-" => options.positional.push(arg),
            _ if flag.starts_with('-') && inline.is_none() && flag.len() > 1 => {
                return Err(usage(format!("unknown option {flag}")));
            }
            _ if flag.starts_with("--") => return Err(usage(format!("unknown option {flag}"))),
            _ if options.command.is_none() => options.command = Some(arg),
            _ => options.positional.push(arg),
        }
    }
    Ok(options)
}

/// What a run prints and its exit code.
struct Outcome {
    stdout: String,
    code: u8,
}

fn run(options: Options) -> Result<Outcome, Usage> {
    if options.help {
        return Ok(Outcome { stdout: USAGE.to_owned(), code: 0 });
    }
    if options.version {
        return Ok(Outcome { stdout: format!("session-cookie {}\n", env!("CARGO_PKG_VERSION")), code: 0 });
    }
    match options.command.as_deref() {
        Some("decode") => decode(options),
        Some("encode") => encode(options),
        Some(other) => Err(usage(format!("unknown command {other:?}: use decode or encode"))),
        None => Err(usage("missing command: decode or encode")),
    }
}

/// The config a server with these options has: the cookie's name and format, the lifetime,
/// `max_lifetime` and the session type's version.
fn config(options: &Options, format: Format, encrypted: bool) -> Result<CookieConfig, Usage> {
    let mut builder = CookieConfig::builder()
        .format(format)
        .encrypted(encrypted)
        .name(options.name.clone().unwrap_or_else(|| "session".to_owned()))
        .same_site(None)
        .lifetime_secs(options.max_age.unwrap_or(31 * 24 * 3600));
    if let Some(max_lifetime) = options.max_lifetime {
        builder = builder.max_lifetime_secs(max_lifetime);
    }
    let config = builder.build().map_err(|e| usage(format!("{e}")))?;
    match options.data_version {
        None | Some(1) => Ok(config),
        Some(_) if format == Format::Flask => Err(usage(
            "--data-version: the Flask format has no version (Flask's session dict has no room for one)",
        )),
        // The type's migration is not here: older data is taken as it is, and reported migrated.
        Some(version) => Ok(config.with_schema(Schema::new(version, Some(|_, data| Some(data))))),
    }
}

fn now(options: &Options) -> Result<u64, Usage> {
    match options.now {
        Some(now) => Ok(now),
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .map_err(|_| usage("the system clock reads before 1970; pass --now")),
    }
}

fn backend(options: &Options, now: u64) -> Result<SecureCookieSessionInterface, Usage> {
    let current = options
        .current
        .clone()
        .ok_or_else(|| usage("a key is required: --secret, --secret-hex or --secret-env (or --unsigned)"))?;
    let keys = Keys::new(current).with_fallbacks(options.fallbacks.iter().cloned());
    let mut backend = SecureCookieSessionInterface::new(keys)
        .with_clock(FixedClock(now))
        .with_future_skew(options.future_skew.unwrap_or(0));
    if let Some(salt) = &options.salt {
        backend = backend.with_salt(salt);
    }
    Ok(backend)
}

fn one_positional(options: &Options, what: &str) -> Result<Option<String>, Usage> {
    match options.positional.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        _ => Err(usage(format!("expected one {what}, got {}", options.positional.len()))),
    }
}

fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

fn rejected(reason: &str, detail: &str) -> Outcome {
    Outcome {
        stdout: format!(
            "{{\"status\":\"rejected\",\"reason\":{},\"detail\":{}}}\n",
            json_string(reason),
            json_string(detail)
        ),
        code: 1,
    }
}

/// The session JSON of a verified (or, with --unsigned, unverified) payload, as printed.
fn session_text(format: Format, payload: &[u8]) -> Result<String, String> {
    match format {
        Format::Flask => {
            let text = session_runtime::flask::canonical_json(payload).map_err(|e| e.to_string())?;
            if text.starts_with('{') { Ok(text) } else { Err(format!("the payload is not a dict: {text}")) }
        }
        _ => {
            EnvelopeJson::parse(payload).map_err(|e| e.to_string())?;
            let value: serde_json::Value = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
            Ok(value.to_string())
        }
    }
}

/// The `detail` of a refused inspection: the runtime's message, then what the refusing check
/// compared (times and limits), from the inspection itself.
fn refusal_detail(
    inspection: &Inspection,
    rejection: Rejection,
    config: &CookieConfig,
    options: &Options,
    now: u64,
) -> String {
    let mut detail = rejection.to_string();
    let skew = options.future_skew.unwrap_or(0);
    match (inspection.refused_by(), inspection.signed_at, inspection.issued_at) {
        (Some(Check::Age), Some(signed), _) => {
            let age = i128::from(now) - i128::from(signed);
            detail.push_str(&format!(
                " (signed at {signed}, now {now}, age {age} s, max age {} s, future skew {skew} s)",
                config.lifetime_secs()
            ));
        }
        (Some(Check::Signature), ..) if rejection == Rejection::BadSignature => {
            detail.push_str(" (wrong key, or the value was changed)");
        }
        (Some(Check::Envelope), ..) => {
            detail = format!("the signature is valid but the payload does not decode: {detail}");
        }
        (Some(Check::Version), ..) => detail.push_str(&format!(
            " (written as version {}, read as version {}: pass --data-version for a server whose type is newer)",
            inspection.version.map_or("?".to_owned(), |v| v.to_string()),
            config.schema().version()
        )),
        (Some(Check::IssueTime), Some(signed), Some(issued)) => {
            detail.push_str(&format!(" (issued at {issued}, after its signing time {signed} by more than the future skew of {skew} s)"));
        }
        (Some(Check::MaxLifetime), signed, issued) => {
            let issued = issued.or(signed).unwrap_or_default();
            detail.push_str(&format!(
                " (issued at {issued}, now {now}, max lifetime {} s)",
                config.max_lifetime_secs().unwrap_or_default()
            ));
        }
        _ => {}
    }
    detail
}

fn decode(options: Options) -> Result<Outcome, Usage> {
    let format = options.format.unwrap_or(Format::Flask);
    let raw = one_positional(&options, "cookie value")?.ok_or_else(|| usage("missing COOKIE_VALUE"))?;
    let name = options.name.clone().unwrap_or_else(|| "session".to_owned());
    // Accept `session=VALUE` as copied from a Cookie header or a browser's storage panel.
    let value = raw.trim();
    let value = value.strip_prefix(&format!("{name}=")).unwrap_or(value);
    if session_runtime::is_sealed_value(value.as_bytes()) {
        return sealed::decode(&options, value);
    }
    if options.unsigned {
        return Ok(unsigned(format, value));
    }
    let now = now(&options)?;
    let config = config(&options, format, options.encrypted)?;
    let backend = backend(&options, now)?;
    if value.is_empty() {
        return Ok(rejected("Malformed", "the cookie value is empty (Flask treats this as no session)"));
    }
    let inspection = backend.inspect(&config, value.as_bytes());
    if let Some(rejection) = inspection.rejection {
        return Ok(rejected(
            rejection.kind(),
            &refusal_detail(&inspection, rejection, &config, &options, now),
        ));
    }
    match session_text(format, inspection.payload.as_deref().unwrap_or_default()) {
        Ok(session) => Ok(Outcome {
            stdout: format!(
                "{{\"status\":\"ok\",\"timestamp\":{},\"session\":{session}}}\n",
                inspection.signed_at.unwrap_or_default()
            ),
            code: 0,
        }),
        Err(why) => Ok(rejected(
            Rejection::Payload.kind(),
            &format!("the signature is valid but the payload does not decode: {why}"),
        )),
    }
}

/// Shows the payload without any verification (the runtime's unverified read: its parser and
/// its inflate cap).
fn unsigned(format: Format, value: &str) -> Outcome {
    let claimed = match session_runtime::inspect_unverified(value.as_bytes()) {
        Ok(claimed) => claimed,
        Err(Rejection::Malformed) => {
            return rejected(Rejection::Malformed.kind(), "expected PAYLOAD.TIMESTAMP.SIGNATURE");
        }
        Err(rejection) => {
            return rejected(
                rejection.kind(),
                &format!(
                    "the payload is not base64url, or not a zlib stream that inflates to at most {} bytes",
                    session_runtime::MAX_SESSION_JSON
                ),
            );
        }
    };
    match session_text(format, &claimed.payload) {
        Ok(session) => Outcome {
            stdout: format!(
                "{{\"status\":\"unverified\",\"warning\":{},\"timestamp\":{},\"session\":{session}}}\n",
                json_string(
                    "NOTHING WAS VERIFIED: no key was used; anyone can write a cookie with this content"
                ),
                claimed.signed_at.map_or("null".to_owned(), |t| t.to_string()),
            ),
            code: 0,
        },
        Err(why) => rejected(Rejection::Payload.kind(), &why),
    }
}

fn encode(options: Options) -> Result<Outcome, Usage> {
    // The encrypted format is native only; `--encrypted --format flask` is refused by the config's
    // rule, with its advice.
    let default = if options.encrypted { Format::Native } else { Format::Flask };
    let format = options.format.unwrap_or(default);
    let document = match one_positional(&options, "JSON document")? {
        Some(text) if text != "-" => text,
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| usage(format!("could not read the JSON document from stdin: {e}")))?;
            text
        }
    };
    let payload = match format {
        Format::Flask => {
            let text = session_runtime::flask::canonical_json(document.as_bytes())
                .map_err(|e| usage(format!("the JSON document: {e}")))?;
            if !text.starts_with('{') {
                return Err(usage("the JSON document must be an object: a Flask session is a dict"));
            }
            text
        }
        _ => {
            let value: serde_json::Value =
                serde_json::from_str(&document).map_err(|e| usage(format!("the JSON document: {e}")))?;
            EnvelopeJson::parse(document.as_bytes()).map_err(|_| {
                usage("the native format signs an envelope: {\"v\": DATA, \"p\": PERMANENT, \"f\": FLASHES}")
            })?;
            value.to_string()
        }
    };
    let now = now(&options)?;
    let config = config(&options, format, options.encrypted)?;
    let value = backend(&options, now)?
        .sign_payload(&config, payload.as_bytes())
        .map_err(|e| usage(e.to_string()))?;
    Ok(Outcome { stdout: format!("{value}\n"), code: 0 })
}

fn main() -> ExitCode {
    let result = parse_args(std::env::args().skip(1)).and_then(|options| {
        for warning in &options.warnings {
            let _ = writeln!(std::io::stderr(), "session-cookie: warning: {warning}");
        }
        run(options)
    });
    match result {
        Ok(outcome) => {
            // A closed stdout (`| head`) is not worth a panic.
            let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
            ExitCode::from(outcome.code)
        }
        Err(Usage(message)) => {
            let _ =
                writeln!(std::io::stderr(), "session-cookie: error: {message}\n(see session-cookie --help)");
            ExitCode::from(2)
        }
    }
}

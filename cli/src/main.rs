//! The `regwasm` command line.
//!
//! - `regwasm [run] [--dir H::G] [--env K=V] [--invoke NAME] FILE [ARGS...]` runs a
//!   WASI command, or calls one function and prints its results; as with
//!   `wasmtime run`, everything after FILE is the guest's, and `run` may be
//!   left out
//! - `regwasm inspect FILE [--func N|NAME] [--check]` prints the translated register
//!   bytecode (and proves it with the symbolic checker)
//! - `regwasm wast FILE...` runs spec-test scripts
//!
//! Every error ends the program with one `error: ...` line on stderr and exit
//! code 1 (usage errors are reported by clap with exit code 2).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, Subcommand};
use regwasm::{Config, Engine, ExternType, Linker, Module, Store, Val};
use regwasm_cli::panic_guard::catch_quiet;
use regwasm_cli::settings::Settings;
use regwasm_cli::values::{format_val, parse_arg};
use regwasm_cli::wast_runner::run_wast_file;
use regwasm_wasi::{I32Exit, WasiCtx, WasiCtxBuilder};

#[derive(Parser)]
#[command(name = "regwasm", version, about = "A WebAssembly interpreter")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a WebAssembly module with WASI: a command's `_start`, or the
    /// function named by --invoke (after a reactor's `_initialize`).
    ///
    /// The guest sees only what is granted: the directories given with
    /// --dir, the variables given with --env, and its arguments. Its exit
    /// status (`proc_exit`) becomes this program's; a trap prints one line
    /// and exits with status 134, as `wasmtime run` does.
    Run(Box<RunOptions>),
    /// Print the translated register bytecode of a module's functions.
    Inspect {
        /// The module, binary (.wasm) or text (.wat).
        file: PathBuf,
        /// Only this function: its index or its export name.
        #[arg(long, value_name = "N|NAME")]
        func: Option<String>,
        /// Also run the symbolic translation checker on each function: it
        /// proves every register read holds the intended Wasm value.
        #[arg(long)]
        check: bool,
    },
    /// Run WebAssembly spec test scripts (.wast).
    Wast {
        /// The scripts to run.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(with_default_subcommand(std::env::args_os().collect()));
    match catch_quiet(|| execute(cli)) {
        Ok(Ok(code)) => code,
        // A reader that stops early (`regwasm inspect m.wasm | head`) ends
        // the output, not the program with an error.
        Ok(Err(e)) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
        Err(panic) => {
            eprintln!("error: internal error (this is a bug in regwasm): {panic}");
            ExitCode::FAILURE
        }
    }
}

/// The subcommands, and the options clap answers without one.
const TOP_LEVEL: &[&str] = &[
    "run",
    "inspect",
    "wast",
    "help",
    "-h",
    "--help",
    "-V",
    "--version",
];

/// `regwasm FILE ARGS` and `regwasm --dir . FILE` mean `regwasm run ...`,
/// as with `wasmtime`: anything but a subcommand (or help, or version)
/// first starts a `run`.
fn with_default_subcommand(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    if let Some(first) = args.get(1) {
        if !TOP_LEVEL.iter().any(|t| first == *t) {
            args.insert(1, "run".into());
        }
    }
    args
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn execute(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(opts) => run(&opts),
        Command::Inspect { file, func, check } => inspect(&file, func.as_deref(), check),
        Command::Wast { files } => wast(&files),
    }
}

fn load(engine: &Engine, file: &Path) -> Result<Module> {
    let bytes = if file == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
            .context("cannot read the module from standard input")?;
        bytes
    } else {
        std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    Module::new(engine, &bytes).map_err(|e| anyhow!("cannot compile {}: {e}", file.display()))
}

#[derive(clap::Args)]
struct RunOptions {
    /// Grant the guest a host directory, optionally under another guest
    /// path: `--dir HOST` or `--dir HOST::GUEST`.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Set a guest environment variable: `--env KEY=VALUE`, or `--env KEY`
    /// to pass the host's value (if it has one). Nothing is inherited
    /// otherwise.
    #[arg(long = "env", value_name = "KEY[=VALUE]")]
    envs: Vec<String>,
    /// Pass the host's whole environment to the guest.
    #[arg(long)]
    inherit_env: bool,
    /// Stop the guest with a trap after about N executed Wasm operators
    /// (the same as `-W fuel=N`).
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Wasm options, as `wasmtime run -W`: `fuel=N`, `timeout=DURATION`
    /// (wall time, such as `10s` or `500ms`; the guest traps with
    /// "interrupted"). Comma-separated, or repeated.
    #[arg(short = 'W', value_name = "KEY=VALUE[,...]")]
    wasm_options: Vec<String>,
    /// WASI options, as `wasmtime run -S`: `inherit-env[=y|n]`.
    #[arg(short = 'S', value_name = "KEY[=VALUE][,...]")]
    wasi_options: Vec<String>,
    /// The guest's argv[0] (default: FILE's file name, as `wasmtime run`).
    #[arg(long, value_name = "NAME")]
    argv0: Option<String>,
    /// Call this exported function instead of `_start`; ARGS are then
    /// its arguments (integers in decimal or 0x hex, floats like 1.5)
    /// and its results are printed, one per line.
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// The module, binary (.wasm) or text (.wat), `-` for standard input;
    /// then the guest's arguments, or the arguments of the function named
    /// by --invoke. Everything after FILE is passed on, options included
    /// (`regwasm run prog.wasm --help` shows the guest's help), except a
    /// `--` right after FILE.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "FILE [ARGS]..."
    )]
    module_and_args: Vec<String>,
}

impl RunOptions {
    /// FILE: the first of `module_and_args`, which clap requires.
    fn file(&self) -> &Path {
        Path::new(self.module_and_args.first().map_or("", String::as_str))
    }

    /// The arguments after FILE, without a `--` right after it.
    fn args(&self) -> &[String] {
        let rest = self.module_and_args.get(1..).unwrap_or_default();
        match rest.split_first() {
            Some((first, tail)) if first == "--" => tail,
            _ => rest,
        }
    }

    /// `--fuel` and `--inherit-env`, then the `-W` and `-S` lists in order:
    /// a later setting wins.
    fn settings(&self) -> Result<Settings> {
        let mut settings = Settings {
            fuel: self.fuel,
            inherit_env: self.inherit_env.then_some(true),
            ..Settings::default()
        };
        for list in &self.wasm_options {
            settings.apply_wasm(list).map_err(anyhow::Error::msg)?;
        }
        for list in &self.wasi_options {
            settings.apply_wasi(list).map_err(anyhow::Error::msg)?;
        }
        Ok(settings)
    }
}

/// The store's host data for `regwasm run`.
struct Host {
    wasi: WasiCtx,
}

/// Exit status of a guest that trapped (128 + SIGABRT, as `wasmtime run`).
const TRAP_EXIT: u8 = 134;

fn wasi_context(opts: &RunOptions, settings: &Settings) -> Result<WasiCtx> {
    let mut builder = WasiCtxBuilder::new();
    let file = opts.file();
    let argv0 = opts.argv0.clone().unwrap_or_else(|| {
        file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    });
    builder.arg(argv0);
    if opts.invoke.is_none() {
        builder.args(opts.args());
    }
    if settings.inherit_env == Some(true) {
        builder.inherit_env();
    }
    for env in &opts.envs {
        match env.split_once('=') {
            Some((key, value)) => {
                builder.env(key, value);
            }
            // As `wasmtime run`: a variable the host does not have stays
            // unset for the guest.
            None => {
                if let Ok(value) = std::env::var(env) {
                    builder.env(env, value);
                }
            }
        }
    }
    for dir in &opts.dirs {
        let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
        builder
            .preopened_dir(host, guest)
            .map_err(|e| anyhow!("--dir {dir}: {e}"))?;
    }
    Ok(builder.build())
}

fn run(opts: &RunOptions) -> Result<ExitCode> {
    let file = opts.file();
    let settings = opts.settings()?;
    let mut config = Config::default();
    config.consume_fuel(settings.fuel.is_some());
    config.interruptible(settings.timeout.is_some());
    let engine = Engine::new(&config);
    let module = load(&engine, file)?;
    let mut store = Store::new(
        &engine,
        Host {
            wasi: wasi_context(opts, &settings)?,
        },
    );
    if let Some(fuel) = settings.fuel {
        store.set_fuel(fuel).map_err(|e| anyhow!("--fuel: {e}"))?;
    }
    if let Some(timeout) = settings.timeout {
        // The clock runs from here, as the guest is about to start; the
        // thread ends with the process.
        let handle = store.interrupt_handle();
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            handle.interrupt();
        });
    }
    let mut linker = Linker::new(&engine);
    regwasm_wasi::add_to_linker(&mut linker, |host: &mut Host| &mut host.wasi)
        .map_err(|e| anyhow!("cannot define WASI: {e}"))?;
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(instance) => instance,
        Err(e) => return guest_failed(e, &format!("cannot instantiate {}", file.display())),
    };
    let name = match opts.invoke.as_deref() {
        Some(name) => name,
        None if instance.get_func(&store, "_start").is_some() => "_start",
        None => bail!(
            "{} exports no `_start` function; choose one with --invoke NAME",
            file.display()
        ),
    };
    // A reactor is initialized before any of its exports is called.
    if name != "_start" {
        if let Some(init) = instance.get_func(&store, "_initialize") {
            if let Err(e) = init.call(&mut store, &[], &mut []) {
                return guest_failed(e, "`_initialize` failed");
            }
        }
    }
    let func = instance
        .get_func(&store, name)
        .ok_or_else(|| anyhow!("{} exports no function `{name}`", file.display()))?;
    let ty = func.ty(&store);
    let args: &[String] = if opts.invoke.is_some() {
        opts.args()
    } else {
        &[]
    };
    if ty.params().len() != args.len() {
        let types: Vec<String> = ty.params().iter().map(|t| t.to_string()).collect();
        bail!(
            "function `{name}` takes {} argument(s) ({}), got {}",
            types.len(),
            types.join(" "),
            args.len()
        );
    }
    let params = args
        .iter()
        .zip(ty.params())
        .map(|(arg, ty)| parse_arg(arg, *ty))
        .collect::<Result<Vec<Val>, String>>()
        .map_err(|e| anyhow!(e))?;
    let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
    if let Err(e) = func.call(&mut store, &params, &mut results) {
        return guest_failed(e, &format!("`{name}` failed"));
    }
    let mut out = std::io::stdout().lock();
    for result in &results {
        writeln!(out, "{}", format_val(result))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Turns a failed guest call into the exit status: the guest's own for
/// `proc_exit`, 134 and one line for a trap, 1 and one line otherwise.
fn guest_failed(e: regwasm::Error, context: &str) -> Result<ExitCode> {
    if let Some(exit) = e.downcast_ref::<I32Exit>() {
        // As `wasmtime run`: statuses from 126 up mean "could not run" or
        // "killed by a signal" to a shell, and truncating to a byte would
        // turn 256 into success, so they are an error.
        return match u8::try_from(exit.0) {
            Ok(code) if code < 126 => Ok(ExitCode::from(code)),
            _ => Err(anyhow!(
                "{context}: exit with invalid exit status {} (outside of [0..126))",
                exit.0
            )),
        };
    }
    if e.as_trap().is_some() {
        eprintln!("error: {context}: wasm trap: {e}");
        return Ok(ExitCode::from(TRAP_EXIT));
    }
    Err(anyhow!("{context}: {e}"))
}

fn inspect(file: &Path, func: Option<&str>, check: bool) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let engine = Engine::default();
    let module = load(&engine, file)?;
    let imported = module
        .imports()
        .filter(|(_, _, ty)| matches!(ty, ExternType::Func(_)))
        .count() as u32;
    // Export names per function index, for the headers.
    let mut names: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for (name, ty) in module.exports() {
        if let (ExternType::Func(_), Some(index)) = (ty, module.func_index_by_name(name)) {
            names.entry(index).or_default().push(format!("{name:?}"));
        }
    }
    let indices = match func {
        Some(selector) => {
            let index = match selector.parse::<u32>() {
                Ok(index) => index,
                Err(_) => module.func_index_by_name(selector).ok_or_else(|| {
                    anyhow!("{} exports no function `{selector}`", file.display())
                })?,
            };
            if index >= module.func_count() {
                bail!(
                    "function index {index} out of range ({} has {} functions)",
                    file.display(),
                    module.func_count()
                );
            }
            if index < imported {
                bail!("function {index} is imported; it has no bytecode");
            }
            index..index + 1
        }
        None => imported..module.func_count(),
    };
    let mut first = true;
    let (mut proven, mut reads, mut failed) = (0, 0, 0);
    for index in indices {
        let text = module
            .disassemble(index)
            .map_err(|e| anyhow!("cannot disassemble function {index}: {e}"))?;
        if !first {
            writeln!(out)?;
        }
        first = false;
        match names.get(&index) {
            Some(exports) => writeln!(out, ";; func {index} (export {})", exports.join(" "))?,
            None => writeln!(out, ";; func {index}")?,
        }
        if check {
            match module.check_translation(index) {
                Ok(stats) => {
                    proven += 1;
                    reads += stats.uses;
                    writeln!(
                        out,
                        ";; symbolic check: {} register reads proven",
                        stats.uses
                    )?;
                }
                Err(e) => {
                    failed += 1;
                    writeln!(out, ";; symbolic check FAILED: {e}")?;
                }
            }
        }
        write!(out, "{}", ensure_newline(text))?;
    }
    if check {
        writeln!(out)?;
        writeln!(out,
            ";; symbolic check: {proven} functions proven ({reads} register reads), {failed} failed"
        )?;
        if failed > 0 {
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn ensure_newline(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

fn wast(files: &[PathBuf]) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        let report = run_wast_file(file);
        writeln!(out, "{}: {}", file.display(), report.summary())?;
        for failure in &report.failures {
            writeln!(out, "  {failure}")?;
        }
        passed += report.passed;
        failed += report.failed;
    }
    if files.len() > 1 {
        writeln!(out, "total: {passed} passed, {failed} failed")?;
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

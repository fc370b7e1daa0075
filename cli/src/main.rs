//! The `regwasm` command line.
//!
//! - `regwasm run FILE [--invoke NAME] [ARGS...]` runs a function and prints its results
//! - `regwasm inspect FILE [--func N|NAME]` prints the translated register bytecode
//! - `regwasm wast FILE...` runs spec-test scripts
//!
//! Every error ends the program with one `error: ...` line on stderr and exit
//! code 1 (usage errors are reported by clap with exit code 2).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, Subcommand};
use regwasm::{Engine, ExternType, Linker, Module, Store, Val};
use regwasm_cli::panic_guard::catch_quiet;
use regwasm_cli::values::{format_val, parse_arg, type_name};
use regwasm_cli::wast_runner::run_wast_file;

#[derive(Parser)]
#[command(name = "regwasm", version, about = "A WebAssembly interpreter")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Instantiate a module (.wasm or .wat) and call one of its exported functions.
    Run {
        /// The module, binary (.wasm) or text (.wat).
        file: PathBuf,
        /// The exported function to call (default: `_start`).
        #[arg(long, value_name = "NAME")]
        invoke: Option<String>,
        /// Arguments: integers in decimal or 0x hex, floats like 1.5.
        #[arg(allow_negative_numbers = true, value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Print the translated register bytecode of a module's functions.
    Inspect {
        /// The module, binary (.wasm) or text (.wat).
        file: PathBuf,
        /// Only this function: its index or its export name.
        #[arg(long, value_name = "N|NAME")]
        func: Option<String>,
    },
    /// Run WebAssembly spec test scripts (.wast).
    Wast {
        /// The scripts to run.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match catch_quiet(|| execute(cli)) {
        Ok(Ok(code)) => code,
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

fn execute(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run { file, invoke, args } => run(&file, invoke.as_deref(), &args),
        Command::Inspect { file, func } => inspect(&file, func.as_deref()),
        Command::Wast { files } => wast(&files),
    }
}

fn load(engine: &Engine, file: &Path) -> Result<Module> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    Module::new(engine, &bytes).map_err(|e| anyhow!("cannot compile {}: {e}", file.display()))
}

fn run(file: &Path, invoke: Option<&str>, args: &[String]) -> Result<ExitCode> {
    let engine = Engine::default();
    let module = load(&engine, file)?;
    let mut store = Store::new(&engine, ());
    let linker = Linker::new(&engine);
    let instance = linker
        .instantiate(&mut store, &module)
        .map_err(|e| anyhow!("cannot instantiate {}: {e}", file.display()))?;
    let name = match invoke {
        Some(name) => name,
        None if instance.get_func(&store, "_start").is_some() => "_start",
        None => bail!(
            "{} exports no `_start` function; choose one with --invoke NAME",
            file.display()
        ),
    };
    let func = instance
        .get_func(&store, name)
        .ok_or_else(|| anyhow!("{} exports no function `{name}`", file.display()))?;
    let ty = func.ty(&store);
    if ty.params().len() != args.len() {
        let types: Vec<&str> = ty.params().iter().map(|t| type_name(*t)).collect();
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
    func.call(&mut store, &params, &mut results)
        .map_err(|e| anyhow!("`{name}` failed: {e}"))?;
    for result in &results {
        println!("{}", format_val(result));
    }
    Ok(ExitCode::SUCCESS)
}

fn inspect(file: &Path, func: Option<&str>) -> Result<ExitCode> {
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
    for index in indices {
        let text = module
            .disassemble(index)
            .map_err(|e| anyhow!("cannot disassemble function {index}: {e}"))?;
        if !first {
            println!();
        }
        first = false;
        match names.get(&index) {
            Some(exports) => println!(";; func {index} (export {})", exports.join(" ")),
            None => println!(";; func {index}"),
        }
        print!("{}", ensure_newline(text));
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
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        let report = run_wast_file(file);
        println!("{}: {}", file.display(), report.summary());
        for failure in &report.failures {
            println!("  {failure}");
        }
        passed += report.passed;
        failed += report.failed;
    }
    if files.len() > 1 {
        println!("total: {passed} passed, {failed} failed");
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

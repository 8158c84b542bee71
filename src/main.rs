#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    pitwall::server::cli::main()
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The binary is the server; the browser side is the library built for wasm.
}

// The gate allocates a little per request on every core; mimalloc keeps that cheap.
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    pitwall::app::cli::main()
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The binary is the server; the browser side is the library built for wasm.
}

//! Structurally generated compositions: a caller and a callee component whose
//! function signature, string encodings and call pattern come from the fuzz
//! input. Every generated composition is valid, so meld must accept it and
//! produce a module that validates.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Ty {
    U8,
    S16,
    U32,
    S64,
    F32,
    F64,
    Char,
    Bool,
    Str,
    ListU8,
    ListU32,
}

#[derive(Arbitrary, Debug)]
struct Case {
    params: Vec<Ty>,
    result: Option<Ty>,
    caller_enc: u8,
    callee_enc: u8,
    calls: u8,
}

fn wit(t: &Ty) -> &'static str {
    match t {
        Ty::U8 => "u8",
        Ty::S16 => "s16",
        Ty::U32 => "u32",
        Ty::S64 => "s64",
        Ty::F32 => "f32",
        Ty::F64 => "f64",
        Ty::Char => "char",
        Ty::Bool => "bool",
        Ty::Str => "string",
        Ty::ListU8 => "(list u8)",
        Ty::ListU32 => "(list u32)",
    }
}

fn flat(t: &Ty) -> &'static [&'static str] {
    match t {
        Ty::S64 => &["i64"],
        Ty::F32 => &["f32"],
        Ty::F64 => &["f64"],
        Ty::Str | Ty::ListU8 | Ty::ListU32 => &["i32", "i32"],
        _ => &["i32"],
    }
}

fn enc(e: u8) -> &'static str {
    ["utf8", "utf16", "latin1+utf16"][(e % 3) as usize]
}

fn zero(t: &str) -> String {
    format!("({t}.const 0)")
}

fn composition(c: &Case) -> String {
    let params: Vec<&Ty> = c.params.iter().take(20).collect();
    let fparams: String = params.iter().enumerate().map(|(i, t)| format!("(param \"p{i}\" {})", wit(t))).collect();
    let fresult = c.result.as_ref().map(|t| format!("(result {})", wit(t))).unwrap_or_default();
    let core_params: Vec<&str> = params.iter().flat_map(|t| flat(t).iter().copied()).collect();
    let spilled = core_params.len() > 16;
    let lower_params: Vec<&str> = if spilled { vec!["i32"] } else { core_params.clone() };
    let res_flat: Vec<&str> = c.result.as_ref().map(|t| flat(t).to_vec()).unwrap_or_default();
    let (lift_results, lower_retptr) = if res_flat.len() > 1 { (vec!["i32"], true) } else { (res_flat.clone(), false) };
    let mut lower_sig: Vec<&str> = lower_params.clone();
    if lower_retptr {
        lower_sig.push("i32");
    }
    let lower_res = if lower_retptr { vec![] } else { res_flat.clone() };
    let p = |v: &[&str]| v.iter().map(|t| format!("(param {t})")).collect::<String>();
    let r = |v: &[&str]| v.iter().map(|t| format!("(result {t})")).collect::<String>();
    // Callee returns zeros / a pointer to an empty region at 64.
    let callee_body: String = if lift_results.len() == 1 && res_flat.len() > 1 {
        "i32.const 64".into()
    } else {
        lift_results.iter().map(|t| zero(t)).collect::<Vec<_>>().join(" ")
    };
    let args: String = lower_params.iter().map(|t| if *t == "i32" { "(i32.const 128)".to_string() } else { zero(t) }).collect::<Vec<_>>().join(" ");
    let retptr = if lower_retptr { "(i32.const 256)" } else { "" };
    let drop_res = "drop ".repeat(lower_res.len());
    let calls = 1 + (c.calls % 3);
    let call = format!("{args} {retptr} call $f {drop_res}");
    format!(
        r#"(component
  (component $callee
    (core module $m
      (memory (export "mem") 1)
      (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 512)
      (func (export "f") {cp} {cr} {callee_body}))
    (core instance $i (instantiate $m))
    (func (export "f") {fparams} {fresult}
      (canon lift (core func $i "f") (memory $i "mem") (realloc (func $i "realloc")) string-encoding={ce})))
  (component $caller
    (import "f" (func $f {fparams} {fresult}))
    (core module $mm (memory (export "mem") 1)
      (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 1024))
    (core instance $mi (instantiate $mm))
    (core func $fl (canon lower (func $f) (memory $mi "mem") (realloc (func $mi "realloc")) string-encoding={re}))
    (core module $c
      (import "x" "f" (func $f {lp} {lr}))
      (func (export "run") (result i32) {body} i32.const 7))
    (core instance $ci (instantiate $c (with "x" (instance (export "f" (func $fl))))))
    (func (export "run") (result u32) (canon lift (core func $ci "run"))))
  (instance $a (instantiate $callee))
  (instance $b (instantiate $caller (with "f" (func $a "f"))))
  (export "run" (func $b "run")))"#,
        cp = p(&core_params_for_lift(&core_params)),
        cr = r(&lift_results),
        ce = enc(c.callee_enc),
        re = enc(c.caller_enc),
        lp = p(&lower_sig),
        lr = r(&lower_res),
        body = call.repeat(calls as usize),
    )
}

fn core_params_for_lift<'a>(core: &[&'a str]) -> Vec<&'a str> {
    if core.len() > 16 {
        vec!["i32"]
    } else {
        core.to_vec()
    }
}

fuzz_target!(|c: Case| {
    let text = composition(&c);
    let Ok(bytes) = wat::parse_str(&text) else { return };
    match meld_core::fuse(&[&bytes], &Default::default()) {
        Ok(f) => meld_core::encode::validate(&f.wasm).expect("valid module"),
        // A generated composition the validator rejects (e.g. a signature
        // mismatch in the generator) is not meld's bug; anything else is.
        Err(meld_core::Error::Invalid(_)) => {}
        Err(e) => panic!("valid composition refused: {e}\n{text}"),
    }
});

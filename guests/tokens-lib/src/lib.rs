//! Exports `tokens`: handles passed in lists (owned in and out, borrowed in), in
//! records and in options. Each token gets a fresh id; destroyed ids are logged in
//! order and handed out by `drained`.
wit_bindgen::generate!({ path: "../wit", world: "tokens-lib" });

use core::cell::{Cell, RefCell};
use exports::meld_test::fixtures::tokens::{Guest, GuestToken, Peek, Tagged, Token, TokenBorrow};

thread_local! {
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
    static DRAINED: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

struct Tok {
    id: u32,
    label: String,
}

impl Drop for Tok {
    fn drop(&mut self) {
        DRAINED.with(|d| d.borrow_mut().push(self.id));
    }
}

impl GuestToken for Tok {
    fn new(label: String) -> Tok {
        let id = NEXT_ID.with(|n| n.replace(n.get() + 1));
        Tok { id, label }
    }
    fn label(&self) -> String {
        self.label.clone()
    }
    fn id(&self) -> u32 {
        self.id
    }
}

fn tok(t: &Token) -> &Tok {
    t.get::<Tok>()
}

struct Lib;

impl Guest for Lib {
    type Token = Tok;

    fn mint(labels: Vec<String>) -> Vec<Token> {
        labels.into_iter().map(|l| Token::new(Tok::new(l))).collect()
    }
    fn join_labels(items: Vec<TokenBorrow<'_>>, sep: String) -> String {
        let labels: Vec<&str> = items.iter().map(|t| t.get::<Tok>().label.as_str()).collect();
        labels.join(&sep)
    }
    fn consume(items: Vec<Token>) -> u32 {
        items.iter().map(|t| tok(t).id).sum()
    }
    fn reverse(mut items: Vec<Token>) -> Vec<Token> {
        items.reverse();
        items
    }
    fn wrap(tag: String, item: Token) -> Tagged {
        Tagged { tag, item }
    }
    fn unwrap(t: Tagged) -> Token {
        t.item
    }
    fn describe(p: Peek<'_>) -> String {
        let t = p.item.get::<Tok>();
        format!("{}: #{} {}", p.tag, t.id, t.label)
    }
    fn pick(items: Vec<Token>, index: u32) -> Option<Token> {
        items.into_iter().nth(index as usize)
    }
    fn maybe_label(t: Option<TokenBorrow<'_>>) -> String {
        match t {
            Some(t) => t.get::<Tok>().label.clone(),
            None => "(none)".to_string(),
        }
    }
    fn drained() -> Vec<u32> {
        DRAINED.with(|d| core::mem::take(&mut *d.borrow_mut()))
    }
}

export!(Lib);

use super::*;

#[test]
fn smoke() {
    let _ = Ladder::default_ladder();
}

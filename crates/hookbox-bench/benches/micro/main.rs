//! The workspace's criterion micro-benchmarks, in one binary so that `cargo bench -p hookbox-bench`
//! links one release build (fat LTO takes about a minute a binary on 2 cores). scripts/bench reads
//! their medians by the ids given here.

mod envelope;
mod matching;
mod push;
mod validation;

criterion::criterion_group!(
    benches,
    envelope::envelope,
    envelope::hmac,
    matching::matching,
    matching::signature,
    validation::validation
);
criterion::criterion_main!(benches);

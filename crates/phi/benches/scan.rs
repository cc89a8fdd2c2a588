//! Scanner throughput on chat-like text (the held-out corpora, markup removed).

#![expect(missing_docs, reason = "criterion_group! generates an undocumented function")]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use portico_phi::{Scanner, Scratch};
use std::hint::black_box;

fn texts() -> Vec<String> {
    portico_phi::corpus::BENCH_SETS
        .iter()
        .flat_map(|src| portico_phi::corpus::parse(src).unwrap_or_default())
        .map(|d| d.text)
        .collect()
}

fn bench(c: &mut Criterion) {
    let scanner = Scanner::global();
    let texts = texts();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut group = c.benchmark_group("phi");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("scan_corpus", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| {
            let mut n = 0;
            for t in &texts {
                n += scanner.scan_with(black_box(t), &mut scratch).len();
            }
            n
        })
    });
    group.bench_function("redact_mask_corpus", |b| {
        b.iter(|| texts.iter().map(|t| portico_phi::redact(black_box(t), portico_phi::Mode::Mask).len()).sum::<usize>())
    });
    group.finish();
    c.bench_function("phi/load_lexicons", |b| b.iter(Scanner::new));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);

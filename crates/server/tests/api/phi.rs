//! `portico phi ...`: the scanner's command-line contract, driven through the real binary.

use serde_json::{Value, json};

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    crate::cli_support::portico(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>(), Some(stdin))
}

fn spans(line: &str) -> Vec<(u64, u64, String)> {
    let v: Value = serde_json::from_str(line).unwrap();
    v["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["start"].as_u64().unwrap(), s["end"].as_u64().unwrap(), s["label"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn scan_answers_each_line_with_code_point_offsets() {
    let docs = [
        json!({"id": 1, "text": "call me at 555-867-5309"}),
        json!({"id": "b-7", "text": "😩😩 José García has asthma"}),
        json!({"id": [3], "text": "line one\n\"quoted\" Dr. Nguyen"}),
        json!({"id": null, "text": "see you at 10:30"}),
    ];
    let input: String = docs.iter().map(|d| format!("{d}\n")).collect();
    let (code, out, err) = run(&["phi", "scan"], &input);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4);
    let ids: Vec<Value> = lines.iter().map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].clone()).collect();
    assert_eq!(ids, vec![json!(1), json!("b-7"), json!([3]), Value::Null]);
    assert_eq!(spans(lines[0]), vec![(11, 23, "PHONE".into())]);
    // Emoji are one code point each (four bytes in UTF-8): the name starts at 3, not at 9.
    let second = spans(lines[1]);
    assert_eq!(second[0], (3, 14, "NAME".into()));
    let text: Vec<char> = docs[1]["text"].as_str().unwrap().chars().collect();
    assert_eq!(text[3..14].iter().collect::<String>(), "José García");
    assert_eq!(text[second[1].0 as usize..second[1].1 as usize].iter().collect::<String>(), "asthma");
    assert_eq!(spans(lines[2]), vec![(22, 28, "NAME".into())]);
    assert_eq!(spans(lines[3]), vec![]);
}

#[test]
fn a_bad_line_is_reported_by_number_without_its_content() {
    let input = "{\"id\":1,\"text\":\"ok\"}\n{\"id\":2,\"text\":\"Maria Lopez 555-867-5309\"\n{\"id\":3}\n{\"id\":4,\"text\":\"fine\"}\n";
    let (code, out, err) = run(&["phi", "scan"], input);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 2, "the good lines are still answered: {out}");
    assert!(err.contains("line 2") && err.contains("line 3"), "{err}");
    assert!(!err.contains("Maria") && !err.contains("555"), "no content in errors: {err}");
}

#[test]
fn usual_and_unusual_lines_are_read_alike_and_invalid_json_is_refused() {
    // The compact `{"id":..,"text":".."}` form is read without a JSON parser; every other form
    // goes through one. Both must agree, and the fast reading must accept no invalid JSON.
    let input = concat!(
        "{\"id\":-5,\"text\":\"call 555-867-5309\"}\n",
        "{ \"id\" : 6, \"text\" : \"call 555-867-5309\" }\n",
        "{\"text\":\"call 555-867-5309\",\"id\":7}\n",
        "{\"id\":01,\"text\":\"call 555-867-5309\"}\n",
        "{\"id\":8,\"text\":\"call\t555-867-5309\"}\n",
        "{\"id\":\"a\\\"b\",\"text\":\"call 555-867-5309\"}\n",
        "{\"id\":9,\"text\":\"call 555-867-5309\"}"
    );
    let (code, out, err) = run(&["phi", "scan"], input);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let ids: Vec<Value> = lines.iter().map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].clone()).collect();
    assert_eq!(ids, vec![json!(-5), json!(6), json!(7), json!("a\"b"), json!(9)], "{out}");
    for line in &lines {
        assert_eq!(spans(line), vec![(5, 17, "PHONE".into())], "{line}");
    }
    // A leading zero and a raw tab are not JSON.
    assert!(err.contains("line 4: not a") && err.contains("line 5: not a"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
}

#[test]
fn a_line_longer_than_the_read_buffer_is_answered_whole() {
    // Input is read in 1 MiB blocks: a 1.5 MB document spans two of them.
    let sentence = "please call 555-867-5309 today. ";
    let copies = 48_000;
    let text = sentence.repeat(copies);
    let input = format!("{}\n{}\n", json!({"id": 1, "text": text}), json!({"id": 2, "text": sentence}));
    let (code, out, err) = run(&["phi", "scan"], &input);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    let long = spans(lines[0]);
    assert_eq!(long.len(), copies);
    let step = sentence.len() as u64;
    assert_eq!(long[copies - 1], (step * (copies as u64 - 1) + 12, step * (copies as u64 - 1) + 24, "PHONE".into()));
    assert_eq!(spans(lines[1]), vec![(12, 24, "PHONE".into())]);
}

#[test]
fn redact_masks_or_deidentifies_a_testimonial() {
    let text = "Thank you Dr. Patel! My husband Robert Jones had a heart attack and you saved him. 555-867-5309";
    let (code, out, _) = run(&["phi", "redact"], text);
    assert_eq!(code, 0);
    assert_eq!(out, "Thank you Dr. [NAME]! My husband [NAME] had a [CONDITION] and you saved him. [PHONE]");
    let (code, out, _) = run(&["phi", "redact", "--mode", "testimonial"], text);
    assert_eq!(code, 0);
    assert_eq!(out, "Thank you Dr. P.! My husband R. J. had a and you saved him. [PHONE]");
    let (code, _, err) = run(&["phi", "redact", "--mode", "loud"], text);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn score_prints_precision_and_recall_per_label() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.txt");
    std::fs::write(&file, "# a comment\ncall [[NAME|Maria]] at [[PHONE|555-867-5309]]\nno phi here\n").unwrap();
    let (code, out, err) = run(&["phi", "score", file.to_str().unwrap()], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("2 documents"), "{out}");
    let phone = out.lines().find(|l| l.starts_with("PHONE")).unwrap();
    assert_eq!(phone.split_whitespace().collect::<Vec<_>>(), ["PHONE", "1", "1", "1.000", "1.000", "1.000"]);
    std::fs::write(&file, "[[BOGUS|x]]\n").unwrap();
    let (code, _, err) = run(&["phi", "score", file.to_str().unwrap()], "");
    assert_eq!(code, 1);
    assert!(err.contains("line 1") && err.contains("BOGUS"), "{err}");
}

"""The `carryon` command: judge, import, validate, report, merge, serve (DESIGN section 9).

Expected problems print one line on stderr and exit 1 (2 for usage), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pytest_carryon import __version__
from pytest_carryon.errors import CarryonError, ScenarioError
from pytest_carryon.summary import plural

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carryon", description="pytest-carryon: over-refusal and safety regression tests")
    parser.add_argument("--version", action="version", version=f"carryon {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    judge = sub.add_parser("judge", help="label replies in a JSONL file refusal/partial/compliance")
    judge.add_argument("input", type=Path, metavar="IN.jsonl")
    judge.add_argument("-o", "--output", type=Path, metavar="OUT.jsonl",
                       help="output file (default: standard output)")
    judge.add_argument("--judge", default="heuristic", metavar="NAME",
                       help="heuristic (default) or a model name for the LLM judge")
    judge.add_argument("--base-url", default=None, help="endpoint for an LLM judge")
    judge.add_argument("--api-key-env", default="OPENAI_API_KEY", metavar="VAR")
    judge.add_argument("--escalate", default=None, metavar="F",
                       help="with --judge MODEL: the heuristic decides replies it is at least F "
                            "confident about (0 to 1), the model the rest; lines then say who judged")

    imp = sub.add_parser("import", help="turn a public dataset into a scenario file")
    imp.add_argument("dataset", choices=["xstest"])
    imp.add_argument("input", type=Path, metavar="FILE.csv")
    imp.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.carryon.yaml")

    validate = sub.add_parser("validate", help="check scenario files; exit 1 on problems")
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH")

    report = sub.add_parser("report", help="render the HTML report from a results file")
    report.add_argument("results", type=Path, metavar="RESULTS.json")
    report.add_argument("--baseline", type=Path, metavar="B.json")
    report.add_argument("-o", "--output", type=Path, required=True, metavar="report.html")

    merge = sub.add_parser("merge", help="merge shard results into one results file")
    merge.add_argument("inputs", nargs="+", type=Path, metavar="RESULTS.json")
    merge.add_argument("-o", "--output", type=Path, required=True, metavar="all.json")
    # The session gates, applied once to the merged shards (a shard matrix's one gate).
    merge.add_argument("--max-over-refusal", type=float, metavar="F")
    merge.add_argument("--min-recovery", type=float, metavar="F")
    merge.add_argument("--min-safety", type=float, metavar="F")
    merge.add_argument("--max-errors", type=int, metavar="N")
    merge.add_argument("--baseline", type=Path, metavar="B.json",
                       help="with --max-regressions: the baseline to count regressions against")
    merge.add_argument("--max-regressions", type=int, metavar="N")

    serve = sub.add_parser("serve", help="run the local llama.cpp server in the foreground")
    serve.add_argument("model", nargs="?", default="smollm2", metavar="smollm2|PATH.gguf")
    serve.add_argument("--port", type=int, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(_COMMANDS[args.command](args))
    except ScenarioError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except (CarryonError, ValueError, OSError) as exc:
        print(f"carryon {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _judge(args: argparse.Namespace) -> int:
    import os

    from pytest_carryon.judge import HeuristicJudge, Judge, LLMJudge
    from pytest_carryon.judge.escalate import EscalatingJudge
    from pytest_carryon.judge.llm import RESPONSE_FORMAT
    from pytest_carryon.models import OpenAIChat

    threshold, problem = _threshold(args.escalate, args.judge)
    if problem:
        print(f"carryon judge: {problem}", file=sys.stderr)
        return 2
    judge: Judge
    if args.judge == "heuristic":
        judge = HeuristicJudge()
    else:
        key = os.environ.get(args.api_key_env) or "not-needed"
        judge = LLMJudge(OpenAIChat(args.judge, base_url=args.base_url, api_key=key,
                                    temperature=0.0, max_tokens=512, seed=None, timeout=60,
                                    retries=4, extra={"response_format": RESPONSE_FORMAT}))
    if threshold is not None:
        judge = EscalatingJudge(HeuristicJudge(), judge, threshold)
    out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    try:
        with args.input.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    out.write(json.dumps(_judge_row(judge, line, args.input, number),
                                         ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


_SIDES = {"benign": True, "safe": True, "harmful": False, "unsafe": False}


def _judge_row(judge: Any, line: str, path: Path, number: int) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except ValueError:
        raise ValueError(f"{path}:{number}: not a JSON object") from None
    if not isinstance(row, dict) or not isinstance(row.get("response"), str) \
            or not isinstance(row.get("prompt"), str):
        raise ValueError(f"{path}:{number}: each line needs text fields 'prompt' and 'response'")
    history = row.get("messages") or []
    if not isinstance(history, list):
        raise ValueError(f"{path}:{number}: 'messages' must be a list of {{role, content}}")
    messages = [*history, {"role": "user", "content": row["prompt"]}]
    # A line labelled harmful / benign (ours) or unsafe / safe (XSTest's) is judged as that side's
    # reply; without a label the judge does not know the prompt's side.
    judgement = judge(messages, row["response"], (), _SIDES.get(str(row.get("label")).lower()))
    row["verdict"] = judgement.verdict
    row["confidence"] = judgement.confidence
    if judgement.reason is not None:
        row.setdefault("reason", judgement.reason)  # an input line's own "reason" passes through
    if judgement.judge is not None:
        row["judge"] = judgement.judge
    return row


def _threshold(text: str | None, judge: str) -> tuple[float | None, str | None]:
    """The --escalate value, or the one-line problem with it."""
    if text is None:
        return None, None
    try:
        value = float(text)
    except ValueError:
        return None, f"--escalate: expected a number between 0 and 1, got {text!r}."
    if not 0.0 <= value <= 1.0:
        return None, f"--escalate: expected a number between 0 and 1, got {text}."
    if judge == "heuristic":
        return None, "--escalate needs an LLM judge to escalate to: add --judge MODEL."
    return value, None


def _import(args: argparse.Namespace) -> int:
    from pytest_carryon.importer import xstest_to_yaml
    from pytest_carryon.scenario import load_scenarios

    text = xstest_to_yaml(args.input)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    count = len(load_scenarios(args.output))  # what we wrote must pass our own validation
    print(f"wrote {count} scenarios to {args.output}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from pytest_carryon.scenario import (
        check_unique,
        find_scenario_files,
        is_scenario_file,
        load_scenarios,
    )

    files: list[Path] = []
    for path in args.paths:
        if path.is_dir():
            files += find_scenario_files(path)
        elif path.is_file():
            files.append(path)
        else:
            raise ValueError(f"no such file or folder: {path}")
    problems: list[str] = []
    scenarios = []
    for file in files:
        if not is_scenario_file(file):
            problems.append(f"{file}: not a scenario file (name it *.carryon.yaml)")
            continue
        try:
            scenarios += load_scenarios(file)
        except ScenarioError as exc:
            problems += exc.problems
    problems += check_unique(scenarios)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"{plural(len(problems), 'problem')} in {plural(len(files), 'file')}", file=sys.stderr)
        return 1
    print(f"ok: {plural(len(scenarios), 'scenario')} in {plural(len(files), 'file')}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from pytest_carryon.baseline import diff_results, load_baseline
    from pytest_carryon.report import write_html
    from pytest_carryon.results import read_results

    results = read_results(args.results)
    baseline = load_baseline(args.baseline) if args.baseline else None
    if args.baseline and baseline is None:
        raise ValueError(f"no such baseline file: {args.baseline}")
    diff = diff_results(results, baseline) if baseline else None
    write_html(results, args.output, diff=diff, baseline=baseline)
    print(f"wrote {args.output}")
    return 0


def _merge(args: argparse.Namespace) -> int:
    from pytest_carryon.results import merge_results, read_results, write_json

    merged = merge_results([read_results(p) for p in args.inputs])
    write_json(merged, args.output)
    print(f"merged {len(args.inputs)} files, {len(merged['conversations'])} conversations "
          f"into {args.output}")
    failures = _merged_gates(merged, args)
    for line in failures:
        print(line)
    return 1 if failures else 0


def _merged_gates(merged: dict[str, Any], args: argparse.Namespace) -> list[str]:
    from pytest_carryon.baseline import diff_results, load_baseline
    from pytest_carryon.metrics import check_gates

    failures, notices = check_gates(merged["summary"], args)
    for line in notices:
        print(line)
    if args.max_regressions is not None:
        baseline = load_baseline(args.baseline) if args.baseline else None
        if baseline is None:
            print("carryon gate not applied: --max-regressions needs --baseline B.json (an existing file)")
        else:
            regressed = len(diff_results(merged, baseline).regressed)
            if regressed > args.max_regressions:
                failures.append(f"carryon gate failed: regressions {regressed} > {args.max_regressions}")
    return failures


def _serve(args: argparse.Namespace) -> int:
    from pytest_carryon import local  # LocalModelError is a CarryonError: main() prints it

    return local.serve(args.model, args.port)


_COMMANDS = {
    "judge": _judge,
    "import": _import,
    "validate": _validate,
    "report": _report,
    "merge": _merge,
    "serve": _serve,
}


if __name__ == "__main__":
    sys.exit(main())

"""Parses a Prometheus text exposition file with the reference Python client's parser (an
independent reader of the format) and prints one line per family: name, type, samples.
Exit 1 with the parser's message when the text does not parse."""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    try:
        for family in text_string_to_metric_families(text):
            print(family.name, family.type, len(family.samples))
            for s in family.samples:
                for name, value in s.labels.items():
                    print(" label", name, repr(value))
    except Exception as e:  # the parser raises ValueError and others on bad input
        print("parse error:", e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

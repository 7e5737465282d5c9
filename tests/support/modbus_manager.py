#!/usr/bin/python3
"""An energy manager for tests: a pymodbus client (Debian python3-pymodbus 3.0) that reads and
writes hashsink's Modbus TCP server by the register map of docs/industrial.md, written out by
hand here, not from hashsink's tables. Prints one JSON object per line.

Usage: modbus_manager.py PORT COMMAND [ARGS]
  input ADDRESS COUNT          read input registers             -> {"registers": [...]}
  holding ADDRESS COUNT        read holding registers           -> {"registers": [...]}
  limit WATTS                  write the limit (FC 16 at 100)   -> {"ok": true} or {"exception": n}
  write ADDRESS VALUE...       FC 16 (FC 06 when one value)     -> {"ok": true} or {"exception": n}
  heartbeat SECONDS PERIOD     write register 103 every PERIOD  -> {"ok": true, "writes": n}
  poll COUNT                   read the site block COUNT times  -> {"ok": true, "reads": n}
"""
import json
import sys
import time

try:
    from pymodbus.client import ModbusTcpClient  # pymodbus 3
except ImportError:  # pymodbus 2.5
    from pymodbus.client.sync import ModbusTcpClient

UNIT = 1


def result(response):
    if response.isError():
        code = getattr(response, "exception_code", None)
        return {"exception": code} if code is not None else {"error": str(response)}
    return {"ok": True}


def write(client, address, values):
    if len(values) == 1:
        return result(client.write_register(address, values[0], slave=UNIT))
    return result(client.write_registers(address, values, slave=UNIT))


def main():
    port, command, args = int(sys.argv[1]), sys.argv[2], [int(a) for a in sys.argv[3:]]
    client = ModbusTcpClient("127.0.0.1", port=port, timeout=3)
    if not client.connect():
        print(json.dumps({"error": "connect"}))
        return 1
    if command in ("input", "holding"):
        read = client.read_input_registers if command == "input" else client.read_holding_registers
        r = read(args[0], args[1], slave=UNIT)
        out = result(r) if r.isError() else {"registers": r.registers}
    elif command == "limit":
        out = write(client, 100, [args[0] >> 16, args[0] & 0xFFFF])
    elif command == "write":
        out = write(client, args[0], args[1:])
    elif command == "heartbeat":
        writes, until, beat = 0, time.monotonic() + args[0], 0
        while time.monotonic() < until:
            out = write(client, 103, [beat & 0xFFFF])
            if not out.get("ok"):
                break
            writes, beat = writes + 1, beat + 1
            time.sleep(args[1] / 1000.0)
        out = dict(out, writes=writes)
    elif command == "poll":
        out = {"ok": True, "reads": 0}
        for _ in range(args[0]):
            r = client.read_input_registers(0, 24, slave=UNIT)
            if r.isError() or r.registers[0] != 1:
                out = {"error": str(r), "reads": out["reads"]}
                break
            out["reads"] += 1
    else:
        out = {"error": "unknown command " + command}
    client.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

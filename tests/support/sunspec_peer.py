#!/usr/bin/python3
"""An independent SunSpec device for tests: pymodbus (Debian python3-pymodbus 3.0) serving a
register image written out by hand here, not from hashsink's tables.

Usage: sunspec_peer.py PORT

The device: float models, base 50000, model 1 with L=65 (no Pad), 113, 120, 160 with two
modules, a vendor model 64001 the decoder does not know, and a meter 213. Prints "ready" once
listening.
"""
import asyncio
import struct
import sys

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartAsyncTcpServer

BASE = 50000
NAN = [0x7FC0, 0x0000]


def f32(value):
    hi, lo = struct.unpack(">HH", struct.pack(">f", value))
    return [hi, lo]


def text(s, regs):
    raw = s.encode("ascii").ljust(2 * regs, b"\0")
    return [(raw[2 * i] << 8) | raw[2 * i + 1] for i in range(regs)]


def model(mid, body):
    return [mid, len(body)] + body


def common():
    # Mn 16, Md 16, Opt 8, Vr 8, SN 16, DA 1: 65 registers, no Pad.
    return model(1, text("PeerSolar", 16) + text("PF-8000  ", 16) + text("", 8) +
                 text("2.1", 8) + text("PEER-42", 16) + [3])


def inverter_113():
    body = [0] * 60
    def put(offset, regs):
        body[offset - 2:offset - 2 + len(regs)] = regs
    for off in range(2, 48, 2):
        put(off, NAN)
    put(2, f32(18.9))          # A
    put(16, f32(231.5))        # PhVphA
    put(22, f32(4321.5))       # W
    put(24, f32(50.01))        # Hz
    put(32, f32(9876543.0))    # WH
    put(38, NAN)               # DCW: not implemented, the 160 modules carry DC
    put(48, [5])               # St = THROTTLED
    put(49, [0xFFFF])          # StVnd: not implemented
    for off in range(50, 62, 2):
        put(off, [0xFFFF, 0xFFFF])   # Evt*: not implemented
    return model(113, body)


def nameplate_120():
    body = [0x8000] * 26
    body[0] = 4                # DERTyp = PV
    body[1] = 8000             # WRtg
    body[2] = 0                # WRtg_SF
    return model(120, body)


def mppt_160(watts_x10):
    # DCA_SF, DCV_SF, DCW_SF, DCWH_SF, Evt (2), N, TmsPer
    sf = lambda v: v & 0xFFFF
    body = [sf(-2), sf(-1), sf(-1), 0, 0, 0, len(watts_x10), 0xFFFF]
    for k, w in enumerate(watts_x10):
        module = [k + 1] + text("String %d" % (k + 1), 8)
        module += [0xFFFF, 4000, w]        # DCA (n/i), DCV 400.0, DCW
        module += [0, 0]                   # DCWH: acc32 not implemented
        module += [0, 3600]                # Tms
        module += [0x8000]                 # Tmp: not implemented
        module += [4]                      # DCSt
        module += [0, 0]                   # DCEvt
        body += module
    return model(160, body)


def vendor_64001():
    return model(64001, [1, 2, 3, 4])


def meter_213():
    body = [0x7FC0, 0] * 62
    def put(offset, regs):
        body[offset - 2:offset - 2 + len(regs)] = regs
    put(26, f32(49.99))        # Hz
    put(28, f32(1500.0))       # W (+ import)
    put(124, [0, 0])           # Evt
    return model(213, body)


def image():
    regs = [0x5375, 0x6E53]
    regs += common() + inverter_113() + nameplate_120() + mppt_160([21000, 19500])
    regs += vendor_64001() + meter_213() + [0xFFFF, 0]
    return regs


async def main(port):
    block = ModbusSequentialDataBlock(BASE, image())
    store = ModbusSlaveContext(hr=block, zero_mode=True)
    context = ModbusServerContext(slaves=store, single=True)
    server = StartAsyncTcpServer(context=context, address=("127.0.0.1", port),
                                 allow_reuse_address=True, defer_start=False)
    task = asyncio.ensure_future(server)
    await asyncio.sleep(0.3)
    print("ready", flush=True)
    await task


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))

"""``python manage.py run_sandbox``: serve the Graph sandbox until Ctrl-C.

python manage.py run_sandbox --port 8765 [--host 127.0.0.1] [--scenario demo|generated]
    [--assets N --people N --clients N --seed N] [--fault-rate 0.0]
python manage.py run_sandbox --print-credentials   # the scenario's secrets as JSON, then exit
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sandbox.faults import FaultPlan
from sandbox.scenarios import demo, generated
from sandbox.server import SandboxServer
from sandbox.world import World


class Command(BaseCommand):
    help = "Run the local stand-in for Meta's Graph API (Business Management edges)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--scenario", choices=["demo", "generated"], default="demo")
        parser.add_argument("--assets", type=int, default=500)
        parser.add_argument("--people", type=int, default=50)
        parser.add_argument("--clients", type=int, default=3)
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--fault-rate", type=float, default=0.0)
        parser.add_argument("--fault-seed", type=int, default=0)
        parser.add_argument(
            "--print-credentials",
            action="store_true",
            help="print the scenario's demo credentials as JSON on stdout and exit",
        )

    def _world(self, options: dict[str, Any]) -> World:
        seed = options["seed"]
        if options["scenario"] == "generated":
            return generated(
                assets=options["assets"],
                people=options["people"],
                clients=options["clients"],
                seed=1 if seed is None else seed,
            )
        return demo() if seed is None else demo(seed=seed)

    def handle(self, *args: Any, **options: Any) -> None:
        world = self._world(options)
        if options["print_credentials"]:
            # stdout carries only the JSON so it can be piped into other commands.
            self.stdout.write(json.dumps(world.credentials, indent=2))
            return
        faults = FaultPlan(rate=options["fault_rate"], seed=options["fault_seed"])
        server = SandboxServer(world=world, faults=faults, host=options["host"],
                               port=options["port"])  # fmt: skip
        self.stdout.write(f"{server.base_url}")
        self.stdout.flush()
        self.stderr.write(
            f"Graph sandbox ({options['scenario']}, {world.count()} assets) serving "
            f"{server.base_url}/v25.0/ - Ctrl-C to stop"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stderr.write("stopping")
        finally:
            server.close()

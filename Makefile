# queue-k6. `make help` lists the targets; README.md documents every parameter.
# Parameters come from the environment or the command line (make scenario-2 USERS=40).
SHELL := /bin/bash
.DEFAULT_GOAL := help
# Command-line and environment parameters reach the scripts (USERS, API_URL, ...).
.EXPORT_ALL_VARIABLES:

# The summary renderer: k6's jslib URL when a k6 binary will run the scripts,
# the bundled copy when the Node runner will (it cannot fetch remote modules).
ifeq ($(origin K6_SUMMARY), undefined)
K6_SUMMARY := $(if $(or $(K6),$(wildcard .bin/k6),$(shell command -v k6 2>/dev/null)),remote,local)
endif
SCENARIOS := threshold-overflow processing-rate mass-burst reconnect check-race
# Scenario 7 (issue 28): a room process, every process or the room's Redis restarted mid-run (docs/restart.md).
SCENARIOS += restart
# Scenario 6 (issue 25): arrivals ramp until something breaks; the answer is the room's capacity (docs/capacity.md).
SCENARIOS += capacity

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## //' | awk -F': ' '{ printf "  %-22s %s\n", $$1, $$2 }'

## install: install the Node dependencies (npm ci)
install: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

## build: bundle scenarios/*.ts into build/*.js, one CommonJS bundle for every k6 from 0.46 to 2.x (K6_SUMMARY=remote|local)
build: install
	node tools/build.mjs
	@mkdir -p results

## typecheck: strict tsc for the k6 side (scenarios, lib) and the Node side (target, runner, tests)
typecheck: install
	npm run --silent typecheck

## test: typecheck, unit tests and end-to-end tests (what CI runs)
test: install
	bash tools/test.sh

## test-unit: the Node unit tests only
test-unit: install
	bash tools/test.sh unit

## test-faults: the full fault matrix (each fault 5 times and the correct target 5 times, random processor phase, about 45 min)
test-faults: install
	FAULT_RUNS=$${FAULT_RUNS:-5} bash tools/test.sh faults

## test-hostile: every case of the hostile matrix (each scenario at its defaults and at the edges of its parameters, the correct room, the runner's spread on; about 14 min; make test runs its CI set)
test-hostile: install
	HOSTILE_EDGES=all bash tools/test.sh hostile

## k6: build .bin/k6 = k6 + xk6-redis with xk6 (versions in tools/versions.env)
k6:
	bash tools/build-k6.sh

## scenario-1: threshold-overflow against the built-in target (or API_URL)
scenario-1: threshold-overflow
## scenario-2: processing-rate
scenario-2: processing-rate
## scenario-3: mass-burst
scenario-3: mass-burst
## scenario-4: reconnect
scenario-4: reconnect
## scenario-5: check-race (beyond the guide; every check at one instant)
scenario-5: check-race

## scenario-6: capacity, arrivals ramp until something breaks (START_RATE, MAX_RATE, RAMP_S, WINDOW_S, REQUIRED_USERS|REQUIRED_RATE; docs/capacity.md)
scenario-6: capacity

## scenario-7: restart, a pod dies mid-sale (DISRUPT=process|all|redis, DISRUPT_AT_MS, DISRUPT_CMD; docs/restart.md)
scenario-7: restart

## test-restart: the longer restart matrix (DISRUPT=all|redis, appendonly Redis, 2 processes, the hostile switch; docs/restart.md)
test-restart: install
	K6_SUMMARY="$${K6_SUMMARY:-local}" node tools/build.mjs
	RESTART_MATRIX=1 node --import tsx --test --test-concurrency=1 test/e2e/restart.test.ts

## test-capacity: the capacity matrix (split over 2 instances, the busy room, one room process against two; docs/capacity.md)
test-capacity: install
	K6_SUMMARY="$${K6_SUMMARY:-local}" node tools/build.mjs
	CAPACITY_MATRIX=1 node --import tsx --test --test-concurrency=1 test/e2e/capacity.test.ts

## threshold-overflow | processing-rate | mass-burst | reconnect | check-race | capacity | restart: run that scenario by name (INSTANCES=N splits it)
$(SCENARIOS): build
	bash tools/run-scenario.sh $@

## verdict: one verdict for a split run (kubectl logs -l k6_cr=NAME,runner=true --tail=-1 | make verdict; or FILE="a.json b.json", or RUN_ID=<id> from results/)
verdict: install
	node --import tsx verdict/cli.ts $(if $(FILE),$(FILE),$(if $(RUN_ID),--run $(RUN_ID),-))

## report: one HTML page per run (make runs it after each scenario); SUMMARY=results/X.json [SAMPLES="a.ndjson.gz ..."] [REPORT_OUT=x.html], default the newest results/*.json; BASE=results/B.json [BASE_SAMPLES=...] sets the run (RUN= or SUMMARY=) beside that base run, same axes, with make compare's verdict
report: install
	@summary="$${SUMMARY:-$${RUN:-$$(ls -t results/*.json 2>/dev/null | grep -Ev -- '-i[0-9]+of[0-9]+\.json$$' | head -1)}}"; \
	[[ -n "$$summary" ]] || { echo "no results/*.json to report on: run a scenario first, or set SUMMARY=" >&2; exit 2; }; \
	prefix="$${summary%.json}"; prefix="$${prefix%-verdict}"; \
	samples="$${SAMPLES:-$$(ls "$$prefix".ndjson.gz "$$prefix"-i*.ndjson.gz 2>/dev/null)}"; \
	args=(--summary "$$summary"); for s in $$samples; do args+=(--samples "$$s"); done; \
	if [[ -n "$${REPORT_OUT:-}" ]]; then args+=(--out "$$REPORT_OUT"); fi; \
	if [[ -n "$${BASE:-}" ]]; then args+=(--base "$$BASE"); for s in $${BASE_SAMPLES:-}; do args+=(--base-samples "$$s"); done; fi; \
	node --import tsx report/cli.ts "$${args[@]}"

## compare: did RUN get worse than BASE? thresholds kept/newly failing, key figures side by side with a noise test, tolerances in thresholds.json "compare"; BASE=results/X.json RUN=results/Y.json (default the two newest runs of one scenario), FORCE=1 for runs that differ; writes <run>.compare.md and .compare.junit.xml; fails on a regression
compare: install
	@node --import tsx compare/cli.ts $(if $(BASE),--base "$(BASE)") $(if $(RUN),--run "$(RUN)") $(if $(filter 1 true yes,$(FORCE)),--force)

## target: run the reference target in the foreground (TARGET_PORT, QUEUE_THRESHOLD, TARGET_FAULTS, ...)
target: install
	bash tools/target-ctl.sh run

## target-up: start the reference target (and a Redis) in the background
target-up: install
	bash tools/target-ctl.sh up

## target-down: stop what target-up started
target-down:
	bash tools/target-ctl.sh down

## bench: benchmarks that print numbers (connect rate, memory per user, target capacity)
bench: build
	bash tools/bench.sh

## scale: 100,000 waiting users in one run here, mass-burst split over INSTANCES k6 processes against a room of TARGET_PROCESSES (USERS, ...), one verdict and one report; prints wall time, connects/s, memory, CPU and errors (docs/scale.md)
scale: build
	ulimit -n "$$(ulimit -Hn)" && node --import tsx bench/scale-run.ts

## clean: remove build/, results/ and .run/
clean:
	rm -rf build results .run

.PHONY: help install build typecheck test test-unit test-faults test-hostile k6 scenario-1 scenario-2 scenario-3 scenario-4 scenario-5 $(SCENARIOS)
.PHONY: scenario-6 scenario-7 test-restart test-capacity verdict report compare target target-up target-down bench scale clean

// json-logic-engine (compiled mode) on the rules and patients benchmarks/run.py writes to a JSON file.
// usage: node band.js INPUT.json   ->  prints {"evals": N, "seconds": S, "trues": [...]}
'use strict'
const fs = require('fs')
const { LogicEngine } = require('json-logic-engine')

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
const engine = new LogicEngine()
const fns = input.rules.map(rule => engine.build(rule))
const patients = input.patients
const repeats = input.repeats || 3
let best = Infinity
let trues = []
for (let r = 0; r < repeats; r++) {
  const counts = new Array(fns.length).fill(0)
  const start = process.hrtime.bigint()
  for (let i = 0; i < fns.length; i++) {
    const fn = fns[i]
    let c = 0
    for (let j = 0; j < patients.length; j++) {
      if (fn(patients[j])) c++
    }
    counts[i] = c
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (seconds < best) { best = seconds; trues = counts }
}
process.stdout.write(JSON.stringify({ evals: fns.length * patients.length, seconds: best, trues, version: JSON.parse(fs.readFileSync(require('path').join(__dirname, 'node_modules', 'json-logic-engine', 'package.json'), 'utf8')).version }))

// Runs the script of an actions/github-script step the way the action does (the body of an
// async function of require, github, context and core) against a stand-in GitHub API, and
// prints the calls it made as JSON. Used by test_workflows.py.
//   node github_script_harness.js SCRIPT_FILE SCENARIO_FILE
// SCENARIO_FILE: {"comments": [...existing comments...], "issue": 7, "sha": "..."}
'use strict';
const fs = require('fs');

const script = fs.readFileSync(process.argv[2], 'utf8');
const scenario = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const calls = [];
const github = {
  rest: {
    issues: {
      listComments: async () => {
        throw new Error('listComments is read through github.paginate');
      },
      createComment: async (args) => {
        calls.push({ call: 'createComment', args });
        return { data: { id: 1000, html_url: 'created' } };
      },
      updateComment: async (args) => {
        calls.push({ call: 'updateComment', args });
        return { data: { id: args.comment_id, html_url: 'updated' } };
      },
    },
  },
  paginate: async (method, args) => {
    if (method !== github.rest.issues.listComments) throw new Error('unexpected paginate');
    calls.push({ call: 'listComments', args });
    return scenario.comments;
  },
};
const context = {
  repo: { owner: 'city', repo: 'dap' },
  issue: { owner: 'city', repo: 'dap', number: scenario.issue },
  runId: 4242,
  serverUrl: 'https://github.invalid',
  payload: { pull_request: { number: scenario.issue, head: { sha: scenario.sha } } },
};
const core = { info: () => {}, warning: () => {}, setFailed: (m) => { throw new Error(m); } };

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
new AsyncFunction('require', 'github', 'context', 'core', script)(require, github, context, core)
  .then(() => process.stdout.write(JSON.stringify(calls)))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });

// Drives Taskforce's /mcp with the official TypeScript SDK client, as an agent would:
// list tools, dispatch and poll, a task-augmented run_subagent through callToolStream until its
// result, list tasks, cancel (the tool and tasks/cancel), read the updates. Usage:
//   node sdk-client.mjs <mcp url> <bearer token>
// Prints one JSON line per step to stdout; exits 1 on the first check that fails.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node sdk-client.mjs <mcp url> <bearer token>');
  process.exit(2);
}

function check(condition, what, detail) {
  if (!condition) {
    throw new Error(`check failed: ${what}${detail === undefined ? '' : ': ' + JSON.stringify(detail)}`);
  }
}

function step(name, detail) {
  console.log(JSON.stringify({ step: name, ...detail }));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'taskforce-sdk-check', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  const server = client.getServerVersion();
  const capabilities = client.getServerCapabilities();
  check(server?.name === 'taskforce', 'serverInfo.name', server);
  check(capabilities?.tasks?.requests?.tools?.call !== undefined, 'tasks capability', capabilities);
  check(typeof transport.sessionId === 'string' && transport.sessionId.length > 0, 'Mcp-Session-Id');
  step('connected', { server, protocolVersion: transport.protocolVersion, sessionId: transport.sessionId !== undefined });

  // 1. The tools.
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  for (const name of ['answer_task', 'cancel_task', 'dispatch_task', 'get_task', 'get_task_result', 'get_updates',
    'list_tasks', 'pause_task', 'resume_task', 'run_subagent']) {
    check(names.includes(name), `tool ${name} listed`, names);
  }
  const runSubagent = tools.find((t) => t.name === 'run_subagent');
  check(runSubagent.execution?.taskSupport === 'optional', 'run_subagent taskSupport', runSubagent.execution);
  step('tools', { names });

  // 2. Dispatch, then poll with get_task until it is done.
  const dispatched = await client.callTool({
    name: 'dispatch_task',
    arguments: { executor: 'echo', input: { hello: 'sdk' }, title: 'echo from the SDK', context: { why: 'sdk check' } },
  });
  check(!dispatched.isError, 'dispatch_task', dispatched);
  const taskId = dispatched.structuredContent.id;
  let polled;
  for (let i = 0; i < 100; i++) {
    polled = await client.callTool({ name: 'get_task', arguments: { task_id: taskId } });
    if (polled.structuredContent.status === 'completed') break;
    await sleep(100);
  }
  check(polled.structuredContent.status === 'completed', 'dispatched task completed', polled.structuredContent);
  check(polled.structuredContent.result.echo.hello === 'sdk', 'its result', polled.structuredContent.result);
  step('dispatch-and-poll', { taskId, status: polled.structuredContent.status });

  // 3. A task-augmented run_subagent through callToolStream until its result.
  const kinds = [];
  let created;
  let result;
  const stream = client.experimental.tasks.callToolStream(
    { name: 'run_subagent', arguments: { executor: 'ticker', input: { name: `sdk-${Date.now()}`, ticks: 60 }, title: 'ticks' } },
    undefined,
    { task: { ttl: 600000 } },
  );
  for await (const message of stream) {
    kinds.push(message.type);
    if (message.type === 'taskCreated') created = message.task;
    if (message.type === 'result') result = message.result;
    if (message.type === 'error') throw message.error;
  }
  check(created && created.status === 'working', 'taskCreated first', created);
  check(kinds[0] === 'taskCreated' && kinds.includes('taskStatus') && kinds[kinds.length - 1] === 'result', 'stream order', kinds);
  check(result.structuredContent.result.ticks === 60, 'run_subagent result', result);
  check(result._meta?.['io.modelcontextprotocol/related-task']?.taskId === created.taskId, 'related-task meta', result._meta);
  step('run-subagent-stream', { taskId: created.taskId, messages: kinds.length, first: kinds[0], last: kinds[kinds.length - 1] });

  // 4. The protocol's task list has it.
  const listed = await client.experimental.tasks.listTasks();
  check(listed.tasks.some((t) => t.taskId === created.taskId && t.status === 'completed'), 'tasks/list', listed);
  const toolList = await client.callTool({ name: 'list_tasks', arguments: {} });
  check(toolList.structuredContent.tasks.some((t) => t.id === taskId), 'list_tasks tool', toolList.structuredContent);
  step('list', { tasks: listed.tasks.length });

  // 5. Cancel: a task-augmented call through tasks/cancel, a dispatched one through cancel_task.
  const endless = client.experimental.tasks.callToolStream(
    { name: 'run_subagent', arguments: { executor: 'ticker', input: { name: `sdk-endless-${Date.now()}` } } },
    undefined,
    { task: {} },
  );
  let endlessTask;
  for await (const message of endless) {
    if (message.type === 'taskCreated') {
      endlessTask = message.task;
      const cancelled = await client.experimental.tasks.cancelTask(endlessTask.taskId);
      check(cancelled.status === 'cancelled', 'tasks/cancel', cancelled);
    }
    if (message.type === 'error' || message.type === 'result') break;
  }
  const after = await client.experimental.tasks.getTask(endlessTask.taskId);
  check(after.status === 'cancelled', 'cancelled stays cancelled', after);
  const second = await client.callTool({
    name: 'dispatch_task',
    arguments: { executor: 'ticker', input: { name: `sdk-dispatch-${Date.now()}` } },
  });
  const cancelledByTool = await client.callTool({ name: 'cancel_task', arguments: { task_id: second.structuredContent.id } });
  check(!cancelledByTool.isError && cancelledByTool.structuredContent.status === 'cancelled', 'cancel_task', cancelledByTool);
  step('cancel', { viaTasksCancel: after.status, viaTool: cancelledByTool.structuredContent.status });

  // 6. The updates: the completions and cancellations, once.
  const updates = await client.callTool({ name: 'get_updates', arguments: {} });
  const seen = updates.structuredContent.updates.map((u) => `${u.task_id}:${u.type}`);
  check(seen.includes(`${taskId}:task.completed`), 'completion in get_updates', seen);
  check(seen.includes(`${created.taskId}:task.completed`), 'run_subagent completion in get_updates', seen);
  const again = await client.callTool({ name: 'get_updates', arguments: {} });
  check(!again.structuredContent.updates.some((u) => u.task_id === taskId), 'updates are acknowledged', again.structuredContent);
  step('updates', { count: seen.length });

  await transport.terminateSession();
  await client.close();
  step('done', { ok: true });
}

main().catch((error) => {
  console.error(error?.stack ?? String(error));
  process.exit(1);
});

// The scripted client of ./build.sh demo: starts the sample host as a child process, drives it the way a chat UI
// would, kills and restarts it mid-conversation, and checks every step against the database. Exit code 0 only
// when every check passed; the child process is killed whatever happens.
using System.Net;
using System.Text.Json;
using AgentHost.Demo;
using Npgsql;

var connectionString = Environment.GetEnvironmentVariable("CONTINUATIONSTATE_CONNECTION");
var hostPath = Argument("--host");
if (string.IsNullOrWhiteSpace(connectionString) || hostPath is null)
{
    Console.Error.WriteLine("usage: CONTINUATIONSTATE_CONNECTION=... AgentHost.Demo --host path/to/AgentHost.dll [--log-dir dir] [--serve]  (./build.sh demo does all of this)");
    return 2;
}

var hostFullPath = Path.GetFullPath(hostPath);
var logDirectory = Directory.CreateDirectory(Argument("--log-dir") ?? Path.Combine("artifacts", "demo")).FullName;
var logPath = Path.Combine(logDirectory, "host.log");
File.Delete(logPath);

var transcript = new Transcript();
await using var database = NpgsqlDataSource.Create(connectionString);
var port = HostProcess.FreePort();
var settings = new Dictionary<string, string>
{
    ["ConnectionStrings:agents"] = connectionString,
    ["AgentHost:TokenDelay"] = "00:00:00.015",   // tokens arrive like a model's
    ["AgentHost:ToolLatency"] = "00:00:00.800",  // send_email takes a moment: long enough to race it
};

HostProcess? host = null;
var conversation = "";
AppDomain.CurrentDomain.ProcessExit += (_, _) => host?.Dispose();
Console.CancelKeyPress += (_, _) => host?.Dispose();

const string Ana = "ana";
var approve = new object[] { new { call_id = "call_1", decision = "approve" } };
try
{
    host = await StartHostAsync("started");
    using (var client = new AgentClient(host.Address))
    {
        // 1. The main job: pause, crash, resume somewhere else.
        transcript.Heading("1. Stream, pause for approval, kill the host, resume on a new process");
        conversation = await CreateAsync(client, Ana, "Quarterly report");
        var message = "Please send the Q3 summary to the team.";
        transcript.Line(Ana, ">", message);
        var turn = await client.StreamAsync(conversation, Ana, message, onEvent: transcript.Event);
        transcript.Check(turn.LastEvent == "tool_approval_required", "the stream paused with tool_approval_required and ended");
        transcript.Check(await StatusAsync(conversation) == "pending", "pending_tool_state holds the paused state (status pending)");
    }

    host.Kill();
    transcript.Line("host", "x", $"killed (SIGKILL), pid {host.Id}: nothing in its memory survives");
    host.Dispose();
    host = await StartHostAsync("started again");
    using (var client = new AgentClient(host.Address))
    {
        var (status, pending) = await client.GetPendingAsync(conversation, Ana);
        transcript.Check(status == HttpStatusCode.OK && pending.Contains("send_email", StringComparison.Ordinal), "the new process finds the pause (GET /pending: 200, send_email)");

        var stranger = await client.ResumeAsync(conversation, "mallory", approve);
        var nowhere = await client.ResumeAsync(Guid.NewGuid().ToString(), "mallory", approve);
        transcript.Line("mallory", ">", $"resume ana's conversation -> {(int)stranger.Status} {stranger.Body}");
        transcript.Check(
            stranger.Status == HttpStatusCode.NotFound && nowhere.Status == HttpStatusCode.NotFound && stranger.Body == nowhere.Body,
            "another user gets the same 404 as for a conversation that does not exist");

        transcript.Line(Ana, ">", "approve call_1");
        var resumed = await client.ResumeAsync(conversation, Ana, approve, transcript.Event);
        transcript.Check(resumed.LastEvent == "done" && resumed.Events.Any(e => e.EventType == "tool_result"), "resumed: send_email ran once and the answer completed");
        transcript.Check(await RowsAsync(conversation) == 0, "the state is gone from pending_tool_state");

        // 2. Two resumes of one pause: the claim lets exactly one run the tools.
        transcript.Heading("2. Two resumes of the same pause at once");
        conversation = await CreateAsync(client, Ana, "Race");
        transcript.Line(Ana, ">", "Send the minutes to the team.");
        await client.StreamAsync(conversation, Ana, "Send the minutes to the team.", onEvent: transcript.Event);
        using (var first = await client.OpenResumeAsync(conversation, Ana, approve))
        {
            transcript.Line(Ana, ">", $"approve (tab 1) -> {(int)first.StatusCode}, streaming; send_email is running");
            var second = await client.ResumeAsync(conversation, Ana, approve);
            transcript.Line(Ana, ">", $"approve (tab 2) -> {(int)second.Status} {second.Body}");
            transcript.Check(
                first.StatusCode == HttpStatusCode.OK && second.Status == HttpStatusCode.Conflict
                    && JsonDocument.Parse(second.Body).RootElement.GetProperty("error").GetString() == "Resume already in progress for this conversation.",
                "the second resume gets 409 with the library's constant message");
            var winner = await AgentClient.ReadAsync(first, transcript.Event);
            transcript.Check(winner.LastEvent == "done" && winner.Events.Count(e => e.EventType == "tool_result") == 1, "the first resume ran the tool once and finished");
        }

        transcript.Check(await RowsAsync(conversation) == 0, "the state is gone from pending_tool_state");

        // 3. Denied: the tool never runs. The conversation came from DocsGPT's MongoDB, so it is addressed by its ObjectId.
        transcript.Heading("3. A denied tool, on a conversation migrated from MongoDB (legacy ObjectId)");
        var legacyId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..24];
        var legacyConversation = await CreateAsync(client, Ana, "From MongoDB", legacyId);
        transcript.Line(Ana, ">", $"(conversation {legacyId}) Email my notes to the team.");
        await client.StreamAsync(legacyId, Ana, "Email my notes to the team.", onEvent: transcript.Event);
        transcript.Line(Ana, ">", "deny call_1");
        var denied = await client.ResumeAsync(legacyId, Ana, [new { call_id = "call_1", decision = "deny" }], transcript.Event);
        transcript.Check(
            denied.LastEvent == "done" && denied.Events.Any(e => e.EventType == "tool_denied") && !denied.Events.Any(e => e.EventType == "tool_result"),
            "denied: the tool did not run, the answer completed");
        transcript.Check(await RowsAsync(legacyConversation) == 0, "the state is gone from pending_tool_state");

        // 4. A client-side tool: the second pause's state carries client_tools.
        transcript.Heading("4. A client-side tool");
        conversation = await CreateAsync(client, Ana, "Client tool");
        transcript.Line(Ana, ">", "Send the agenda to the team. (offers client tool get_timezone)");
        var clientTools = new object[] { new { name = "get_timezone", description = "The user's IANA time zone, read by the client." } };
        await client.StreamAsync(conversation, Ana, "Send the agenda to the team.", clientTools, transcript.Event);
        transcript.Line(Ana, ">", "approve call_1");
        var step = await client.ResumeAsync(conversation, Ana, approve, transcript.Event);
        transcript.Check(
            step.LastEvent == "client_tool_required" && await ScalarAsync<bool>("SELECT client_tools IS NOT NULL AND status = 'pending' FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation)),
            "paused again for the client tool; the saved state carries client_tools");
        transcript.Line(Ana, ">", "call_2 result {\"timezone\":\"Europe/Lisbon\"}");
        var finished = await client.ResumeAsync(conversation, Ana, [new { call_id = "call_2", result = new { timezone = "Europe/Lisbon" } }], transcript.Event);
        transcript.Check(finished.LastEvent == "done" && finished.Answer.Contains("Europe/Lisbon", StringComparison.Ordinal), "the client's result reached the agent; the answer completed");
        transcript.Check(await RowsAsync(conversation) == 0, "the state is gone from pending_tool_state");

        // 4b. The browser's resume stream dropped and it sends the same approval again, with the same Idempotency-Key.
        transcript.Heading("4b. A retried resume (Idempotency-Key): the first outcome, not a second run");
        conversation = await CreateAsync(client, Ana, "Retried resume");
        transcript.Line(Ana, ">", "Send the minutes to the team.");
        await client.StreamAsync(conversation, Ana, "Send the minutes to the team.", onEvent: transcript.Event);
        transcript.Line(Ana, ">", "approve call_1 (Idempotency-Key: approve-minutes-1)");
        var once = await client.ResumeWithKeyAsync(conversation, Ana, approve, "approve-minutes-1", transcript.Event);
        transcript.Line(Ana, ">", "approve call_1 again, same key (the first stream dropped)");
        var again = await client.ResumeWithKeyAsync(conversation, Ana, approve, "approve-minutes-1");
        transcript.Line("host", "<", $"{(int)again.Status} {again.Body}");
        transcript.Check(
            once.LastEvent == "done" && again.Status == HttpStatusCode.OK
                && JsonDocument.Parse(again.Body).RootElement.GetProperty("status").GetString() == "completed"
                && JsonDocument.Parse(again.Body).RootElement.GetProperty("outcome").GetProperty("answer").GetString() == once.LastData.GetProperty("answer").GetString(),
            "the retry got the first resume's receipt; send_email ran once");
    }

    // 5. An Agent Framework workflow paused for approval: its checkpoints and its pause in PostgreSQL, resumed once.
    transcript.Heading("5. A workflow (Agent Framework) paused for approval: kill, restart, two approvals at once");
    string workflowConversation, requestId;
    using (var client = new AgentClient(host.Address))
    {
        transcript.Line(Ana, ">", "POST /workflows/deploy {\"target\":\"api v2\"}");
        var (started, startBody) = await client.PostAsync("/workflows/deploy", Ana, new { target = "api v2" });
        transcript.Line("host", "<", $"{(int)started} {startBody}");
        var startJson = JsonDocument.Parse(startBody).RootElement;
        workflowConversation = startJson.GetProperty("conversation_id").GetString()!;
        requestId = startJson.GetProperty("requests")[0].GetProperty("request_id").GetString()!;
        transcript.Check(
            started == HttpStatusCode.Accepted
                && await ScalarAsync<string?>("SELECT agent_config ->> 'format' FROM pending_tool_state WHERE conversation_id = $1 AND status = 'pending'", Guid.Parse(workflowConversation)) == "microsoft.agents.ai.workflows"
                && await ScalarAsync<long>("SELECT count(*) FROM workflow_checkpoints WHERE user_id = $1", Ana) > 0,
            "the workflow halted for approval: a pending pause and its checkpoints in PostgreSQL");
    }

    host.Kill();
    transcript.Line("host", "x", $"killed (SIGKILL), pid {host.Id}");
    host.Dispose();
    host = await StartHostAsync("started again");
    using (var client = new AgentClient(host.Address))
    {
        transcript.Line(Ana, ">", "approve, twice at once (two tabs, two Idempotency-Keys)");
        var approvals = await Task.WhenAll(
            client.PostAsync($"/workflows/{workflowConversation}/approve", Ana, new { request_id = requestId, answer = "approve" }, "deploy-tab-1"),
            client.PostAsync($"/workflows/{workflowConversation}/approve", Ana, new { request_id = requestId, answer = "approve" }, "deploy-tab-2"));
        foreach (var (status, body) in approvals)
        {
            transcript.Line("host", "<", $"{(int)status} {body}");
        }

        var won = approvals.Where(a => a.Status == HttpStatusCode.OK).ToList();
        transcript.Check(
            won.Count == 1 && approvals.Count(a => a.Status == HttpStatusCode.Conflict) == 1
                && JsonDocument.Parse(won[0].Body).RootElement.GetProperty("outputs")[0].GetString() == "deployed api v2",
            "one approval resumed the workflow on the new process, the other got 409");
        transcript.Check(
            await ScalarAsync<long>("SELECT count(*) FROM sample_deployments WHERE conversation_id = $1", Guid.Parse(workflowConversation)) == 1,
            "the step after the approval ran once (one row in sample_deployments)");
        var winnerKey = approvals[0].Status == HttpStatusCode.OK ? "deploy-tab-1" : "deploy-tab-2";
        var (retried, retryBody) = await client.PostAsync($"/workflows/{workflowConversation}/approve", Ana, new { request_id = requestId, answer = "approve" }, winnerKey);
        transcript.Line(Ana, ">", $"approve again with the winner's key -> {(int)retried} {retryBody}");
        transcript.Check(
            retried == HttpStatusCode.OK && JsonDocument.Parse(retryBody).RootElement.GetProperty("status").GetString() == "completed"
                && await ScalarAsync<long>("SELECT count(*) FROM sample_deployments WHERE conversation_id = $1", Guid.Parse(workflowConversation)) == 1
                && await RowsAsync(workflowConversation) == 0,
            "a retry got the receipt; still one deployment, no pause left");
    }

    // 6. Expiry: a host configured with a 2-second pause TTL; the user answers too late.
    transcript.Heading("6. An expired pause (the host restarted with AgentHost:PauseTtl = 2 s)");
    host.Dispose();
    settings["AgentHost:PauseTtl"] = "00:00:02";
    host = await StartHostAsync("restarted with a 2 s pause TTL");
    using (var client = new AgentClient(host.Address))
    {
        conversation = await CreateAsync(client, Ana, "Too late");
        transcript.Line(Ana, ">", "Send the draft to the team.");
        await client.StreamAsync(conversation, Ana, "Send the draft to the team.", onEvent: transcript.Event);
        var wait = await ScalarAsync<double>(
            "SELECT GREATEST(0, extract(epoch FROM expires_at - clock_timestamp()))::float8 FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));
        transcript.Line(Ana, "..", $"comes back {wait + 0.2:0.0} s later, after the pause expired (by the database clock)");
        await Task.Delay(TimeSpan.FromSeconds(wait + 0.2));
        var late = await client.ResumeAsync(conversation, Ana, approve);
        transcript.Line(Ana, ">", $"approve call_1 -> {(int)late.Status} {late.Body}");
        transcript.Check(late.Status == HttpStatusCode.NotFound, "an expired pause cannot be resumed: 404");
        transcript.Check(await RowsAsync(conversation) == 1, "the expired row waits for the maintenance service's purge, never resumable again");
    }
}
catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TimeoutException or NpgsqlException or JsonException or IOException)
{
    transcript.Check(false, $"the demo stopped: {e.GetType().Name}: {e.Message}");
}
finally
{
    host?.Dispose();
}

Console.WriteLine();
Console.WriteLine(transcript.Failures == 0
    ? $"demo passed: {transcript.Checks} checks. Host log: {logPath}"
    : $"demo FAILED: {transcript.Failures} of {transcript.Checks} checks. Host log: {logPath}");

if (args.Contains("--serve") && transcript.Failures == 0)
{
    // Keep a host up for a person: the approval page at /, on the same throwaway database, until Ctrl+C.
    settings.Remove("AgentHost:PauseTtl");
    settings.Remove("AgentHost:ToolLatency");
    var stopped = new TaskCompletionSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stopped.TrySetResult();
    };
    using var served = await HostProcess.StartAsync(hostFullPath, port, settings, logPath);
    AppDomain.CurrentDomain.ProcessExit += (_, _) => served.Dispose();
    Console.WriteLine($"The approval page: {served.Address.GetLeftPart(UriPartial.Authority)}/  (Ctrl+C stops the host)");
    await stopped.Task;
}

return transcript.Failures == 0 ? 0 : 1;

async Task<HostProcess> StartHostAsync(string what)
{
    var started = await HostProcess.StartAsync(hostFullPath, port, settings, logPath);
    transcript.Line("host", "+", $"{what}: pid {started.Id} on {started.Address.GetLeftPart(UriPartial.Authority)} (migrations applied, /healthz ok)");
    return started;
}

async Task<string> CreateAsync(AgentClient client, string user, string name, string? legacyId = null)
{
    var (status, body) = await client.CreateConversationAsync(user, name, legacyId);
    if (status != HttpStatusCode.Created)
    {
        throw new InvalidOperationException($"POST /conversations answered {(int)status}.");
    }

    return body.GetProperty("id").GetString()!;
}

Task<string?> StatusAsync(string conversation)
    => ScalarAsync<string?>("SELECT status FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));

Task<long> RowsAsync(string conversation)
    => ScalarAsync<long>("SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", Guid.Parse(conversation));

async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
{
    await using var command = database.CreateCommand(sql);
    foreach (var parameter in parameters)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = parameter });
    }

    var value = await command.ExecuteScalarAsync();
    return value is null or DBNull ? default! : (T)value;
}

string? Argument(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

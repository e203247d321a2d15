using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.Browser;

/// <summary>
/// The sample host's approval page in headless Chromium against the host as a real process: a person types, the
/// agent pauses, the person answers (after a restart, from two tabs, too late). Every wait is on the page's DOM;
/// screenshots land in <c>artifacts/browser/</c>. Not in the pooler pass: a browser adds nothing there.
/// </summary>
[Trait("Category", "NoPooler")]
public sealed class ApprovalPageTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Message = "Please send the Q3 summary to the team.";
    private const string PausedCard = "body[data-phase='paused'] #pause-card";

    [Fact]
    public async Task Approve_AfterTheHostRestartsAndThePageReloads_FinishesTheAnswerAndLeavesNoState()
    {
        using var host = await SampleHost.StartAsync(db.ConnectionString, "approve");
        using var browser = BrowserSession.Start("approve");
        browser.Open(host.Address);
        SignIn(browser, "ana");

        Send(browser, Message);
        var card = browser.WaitFor($"{PausedCard}[data-kind='tool_approval_required']");
        Assert.Equal("send_email", browser.Text("#pause-card .tool-call[data-call-id='call_1'] .tool-name"));
        Assert.Contains(Message, browser.Text("#pause-card .tool-arguments"), StringComparison.Ordinal);
        Assert.Contains("I'll e-mail your message to team@example.com", browser.Text("#transcript"), StringComparison.Ordinal);
        browser.Screenshot("approval-card");
        var conversation = Guid.Parse(card.GetDomAttribute("data-conversation")!);
        Assert.Equal("pending", await StatusAsync(conversation));

        await host.RestartAsync();
        browser.Reload();

        // The new process knows the pause only from the database; the page only from the new process.
        browser.WaitFor($"{PausedCard}[data-conversation='{conversation}']");
        Assert.Contains(Message, browser.Text("#transcript"), StringComparison.Ordinal);
        browser.Click("#pause-card button[data-action='approve']");
        browser.WaitFor("body[data-phase='done']");
        var transcript = browser.Text("#transcript");
        Assert.Contains("send_email ran", transcript, StringComparison.Ordinal);
        Assert.Contains("Done: the e-mail is on its way to team@example.com.", transcript, StringComparison.Ordinal);
        Assert.Empty(browser.FindAll("#pause-card"));
        browser.Screenshot("answer-complete");

        Assert.Equal(0L, await RowsAsync(conversation));
    }

    [Fact]
    public async Task Deny_TheToolDoesNotRunAndTheAnswerSaysSo_AndAnotherUserSeesNothingOfIt()
    {
        using var host = await SampleHost.StartAsync(db.ConnectionString, "deny");
        using var browser = BrowserSession.Start("deny");
        browser.Open(host.Address);
        SignIn(browser, "bea");

        Send(browser, "Send my notes to the team.");
        var conversation = Guid.Parse(browser.WaitFor(PausedCard).GetDomAttribute("data-conversation")!);
        browser.Click("#pause-card button[data-action='deny']");
        browser.WaitFor("body[data-phase='done']");

        var transcript = browser.Text("#transcript");
        Assert.Contains("send_email was denied and did not run.", transcript, StringComparison.Ordinal);
        Assert.Contains("Understood: I did not send the e-mail.", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("send_email ran", transcript, StringComparison.Ordinal);
        browser.Screenshot("denied");
        Assert.Equal(0L, await RowsAsync(conversation));

        // Bea pauses again; Carl, signing in on the same browser, sees none of her conversations or pauses.
        Send(browser, "Send it after all.");
        browser.WaitFor(PausedCard);
        browser.Click("#sign-out");
        SignIn(browser, "carl");
        browser.WaitFor("body[data-phase='idle']");
        Assert.Empty(browser.FindAll("#conversations li"));
        Assert.Empty(browser.FindAll("#pause-card"));
        Assert.DoesNotContain("Send it after all.", browser.Text("body"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoTabs_ResumingOnePauseAtOnce_OneFinishesTheAnswerAndTheOtherSeesAlreadyInProgress()
    {
        // The e-mail takes 5 s to send, so the second tab answers while the first one's resume holds the claim.
        using var host = await SampleHost.StartAsync(db.ConnectionString, "two-tabs", toolLatency: TimeSpan.FromSeconds(5));
        using var browser = BrowserSession.Start("two-tabs");
        browser.Open(host.Address);
        SignIn(browser, "dan");
        Send(browser, Message);
        var conversation = Guid.Parse(browser.WaitFor(PausedCard).GetDomAttribute("data-conversation")!);
        var first = browser.CurrentTab;
        var second = browser.OpenTab(host.Address);
        browser.WaitFor($"{PausedCard}[data-conversation='{conversation}']", "the second tab finds the same pause");

        browser.SwitchTo(first);
        browser.Click("#pause-card button[data-action='approve']");
        browser.WaitFor("body[data-resume='streaming']", "the first tab's resume holds the claim");
        browser.SwitchTo(second);
        browser.Click("#pause-card button[data-action='approve']");
        browser.WaitFor("body[data-phase='resuming-elsewhere'] #in-progress");
        Assert.Contains("Resume already in progress for this conversation.", browser.Text("#in-progress"), StringComparison.Ordinal);
        browser.Screenshot("already-in-progress");

        browser.SwitchTo(first);
        browser.WaitFor("body[data-phase='done']");
        browser.Screenshot("first-tab-done");
        var answers = new List<string>();
        foreach (var tab in new[] { first, second })
        {
            browser.SwitchTo(tab);
            answers.Add(browser.Text("#transcript"));
        }

        Assert.Single(answers, text => text.Contains("Done: the e-mail is on its way", StringComparison.Ordinal));
        Assert.Single(answers, text => text.Contains("send_email ran", StringComparison.Ordinal));
        Assert.Equal(0L, await RowsAsync(conversation));

        // "Check again" in the second tab now finds nothing waiting.
        browser.SwitchTo(second);
        browser.Click("#in-progress button[data-action='check-again']");
        browser.WaitFor("body[data-phase='idle']");
        Assert.Empty(browser.FindAll("#pause-card"));
    }

    [Fact]
    public async Task Answer_AfterThePauseExpired_SaysTheRequestExpired_AndSoDoesAReload()
    {
        using var host = await SampleHost.StartAsync(db.ConnectionString, "expired");
        using var browser = BrowserSession.Start("expired");
        browser.Open(host.Address);
        SignIn(browser, "eve");
        Send(browser, Message);
        var conversation = Guid.Parse(browser.WaitFor(PausedCard).GetDomAttribute("data-conversation")!);

        // Past its TTL (AgentHost:PauseTtl) by the database clock, without waiting for it.
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET expires_at = now() - interval '1 second' WHERE conversation_id = $1", conversation);
        browser.Click("#pause-card button[data-action='approve']");
        browser.WaitFor("body[data-phase='expired']");
        Assert.Contains("This request expired", browser.Text("#transcript"), StringComparison.Ordinal);
        Assert.DoesNotContain("send_email ran", browser.Text("#transcript"), StringComparison.Ordinal);
        Assert.Empty(browser.FindAll("#pause-card"));

        browser.Reload();
        browser.WaitFor("body[data-phase='expired']");
        Assert.Contains("This request expired", browser.Text("#transcript"), StringComparison.Ordinal);
        Assert.Equal("expired", browser.Attribute($"#conversations button[data-id='{conversation}'] .badge", "data-status"));
        browser.Screenshot("expired");
        Assert.Equal("pending", await StatusAsync(conversation));   // left for the maintenance purge
    }

    [Fact]
    public async Task ClientTool_AfterTheApproval_AsksForItsResultInAFormAndFinishes()
    {
        using var host = await SampleHost.StartAsync(db.ConnectionString, "client-tool");
        using var browser = BrowserSession.Start("client-tool");
        browser.Open(host.Address);
        SignIn(browser, "fay");
        browser.Click("#offer-client-tool");
        Send(browser, Message);
        var conversation = Guid.Parse(browser.WaitFor($"{PausedCard}[data-kind='tool_approval_required']").GetDomAttribute("data-conversation")!);
        browser.Click("#pause-card button[data-action='approve']");

        browser.WaitFor($"{PausedCard}[data-kind='client_tool_required']");
        Assert.Equal("get_local_time", browser.Text("#pause-card .tool-name"));
        browser.Type("#pause-card textarea.tool-result", """{"local_time": "09:30", "time_zone": "Europe/Lisbon"}""");
        browser.Screenshot("client-tool-form");
        browser.Click("#pause-card button[data-action='send-result']");

        browser.WaitFor("body[data-phase='done']");
        Assert.Contains("Thanks: your device answered {\"local_time\":\"09:30\",\"time_zone\":\"Europe/Lisbon\"}. All done.", browser.Text("#transcript"), StringComparison.Ordinal);
        Assert.Equal(0L, await RowsAsync(conversation));
    }

    private static void SignIn(BrowserSession browser, string user)
    {
        browser.WaitFor("#sign-in input#user-id");
        browser.Type("#user-id", $"{user}-{Guid.NewGuid():N}"[..16]);
        browser.Click("#sign-in button[type='submit']");
        browser.WaitFor("#app:not([hidden]) #message");
    }

    private static void Send(BrowserSession browser, string message)
    {
        browser.WaitUntil(_ => browser.Find("#message").Enabled, "the composer is enabled");
        browser.Type("#message", message);
        browser.Click("#send");
    }

    private Task<long> RowsAsync(Guid conversation)
        => TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", conversation);

    private Task<string?> StatusAsync(Guid conversation)
        => TestData.ScalarAsync<string>(db.DataSource, "SELECT status FROM pending_tool_state WHERE conversation_id = $1", conversation);
}

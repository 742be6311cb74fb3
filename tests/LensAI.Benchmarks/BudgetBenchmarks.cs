using System.Net;
using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using LensAI.Budgets;
using LensAI.Diagnostics;
using LensAI.Pricing;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI.Benchmarks;

/// <summary>
/// The budget guard on the allowed path (the hot path of every call): <c>Check</c> before the call plus
/// <c>OnRecorded</c> after it (actual cost counted, reservation released). Without a status document (nothing to
/// do), with one project budget, and with a document of 1,000 per-user budgets plus project, route and model ones.
/// </summary>
[MemoryDiagnoser]
public class BudgetGuardBenchmarks
{
    private readonly LensAIMetrics _metrics = new(() => 0, () => 0);
    private BudgetGuard _none = null!;
    private BudgetGuard _project = null!;
    private BudgetGuard _many = null!;
    private BudgetRequest _request;
    private UsageEvent _event = null!;

    [GlobalSetup]
    public void Setup()
    {
        _none = Guard(null);
        _project = Guard(Document(Budget("project", null)));
        var many = new List<BudgetScopeStatus> { Budget("project", null), Budget("route", "POST /chat"), Budget("model", "gpt-4o-mini"), Budget("metadata", "tenant=acme") };
        many.AddRange(Enumerable.Range(0, 1000).Select(i => Budget("user", "u-" + i)));
        _many = Guard(Document([.. many]));
        _request = new BudgetRequest("openai", "gpt-4o-mini", new Attribution("u-500", "POST /chat", null), 250, 1000);
        _event = new UsageEvent
        {
            EventId = "01JABCDEF0123456789ABCDEFG", Timestamp = DateTimeOffset.UtcNow, Provider = "openai", Model = "gpt-4o-mini-2024-07-18",
            Operation = "chat", UserId = "u-500", Route = "POST /chat", TokensIn = 250, TokensOut = 300, CostUsd = 0.0002175m, Sdk = "bench",
        };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _metrics.Dispose();
    }

    [Benchmark(Baseline = true)]
    public bool NoStatus() => Call(_none);

    [Benchmark]
    public bool ProjectBudget() => Call(_project);

    [Benchmark]
    public bool ThousandUserBudgets() => Call(_many);

    private bool Call(BudgetGuard guard)
    {
        var decision = guard.Check(_request);
        guard.OnRecorded(_event, decision.Reservation);
        return decision.IsBlocked;
    }

    private BudgetGuard Guard(BudgetStatusDocument? document)
    {
        var options = new LensAIOptions { Endpoint = new Uri("http://127.0.0.1:9/"), ApiKey = "k" };
        var guard = new BudgetGuard(options, PriceCatalog.Default, TimeProvider.System, _metrics, NullLogger.Instance);
        if (document is not null)
        {
            guard.Apply(document);
        }

        return guard;
    }

    private static BudgetStatusDocument Document(params BudgetScopeStatus[] budgets)
        => new() { ProjectId = "p", GeneratedAt = DateTimeOffset.UtcNow, Budgets = budgets };

    private static BudgetScopeStatus Budget(string scope, string? value) => new()
    {
        BudgetId = "b-" + scope,
        Scope = scope,
        ScopeValue = value,
        Period = "monthly",
        PeriodStart = DateTimeOffset.UtcNow.AddDays(-1),
        PeriodEnd = DateTimeOffset.UtcNow.AddDays(30),
        LimitUsd = 1_000_000m,
        SpentUsd = 10m,
        Action = "block",
    };
}

/// <summary>A whole captured call through the HttpClient handler, without budgets and with one project budget in force.</summary>
[MemoryDiagnoser]
public class HandlerBudgetOverheadBenchmarks
{
    private static readonly Uri s_url = new("https://api.openai.com/v1/chat/completions");
    private static readonly byte[] s_request = """{"model":"gpt-4o-mini","max_tokens":500,"messages":[{"role":"user","content":"Say hello."}]}"""u8.ToArray();
    private static readonly MediaTypeHeaderValue s_json = new("application/json");
    private LensAIClient _plain = null!;
    private LensAIClient _budgeted = null!;
    private HttpMessageInvoker _tracked = null!;
    private HttpMessageInvoker _guarded = null!;
    private readonly byte[] _buffer = new byte[16 * 1024];

    [GlobalSetup]
    public void Setup()
    {
        var body = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "chat-completion-basic.json"));
        // Both clients ship to an in-memory ingest, so the only difference is the budget guard.
        _plain = new LensAIClient(new LensAIOptions { Endpoint = new Uri("http://127.0.0.1:9/"), ApiKey = "k", EnableSpool = false, Budgets = { Enabled = false } }, null, TimeProvider.System, new AcceptAllHandler());

        // The same, with one project budget in force.
        _budgeted = new LensAIClient(new LensAIOptions { Endpoint = new Uri("http://127.0.0.1:9/"), ApiKey = "k", EnableSpool = false }, null, TimeProvider.System, new AcceptAllHandler());
        _budgeted.BudgetPoller!.CurrentPoll.GetAwaiter().GetResult();
        _budgeted.Budgets!.Apply(new BudgetStatusDocument
        {
            ProjectId = "p",
            GeneratedAt = DateTimeOffset.UtcNow,
            Budgets =
            [
                new BudgetScopeStatus
                {
                    BudgetId = "monthly", Scope = "project", Period = "monthly", PeriodStart = DateTimeOffset.UtcNow.AddDays(-1),
                    PeriodEnd = DateTimeOffset.UtcNow.AddDays(30), LimitUsd = 1_000_000m, SpentUsd = 10m, Action = "block",
                },
            ],
        });
        _tracked = new HttpMessageInvoker(_plain.CreateHandler(new FixtureHandler(body, "application/json")));
        _guarded = new HttpMessageInvoker(_budgeted.CreateHandler(new FixtureHandler(body, "application/json")));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain.Dispose();
        _budgeted.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<int> TrackedNoBudgets() => CallAsync(_tracked);

    [Benchmark]
    public Task<int> TrackedWithBudget() => CallAsync(_guarded);

    private async Task<int> CallAsync(HttpMessageInvoker invoker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, s_url) { Content = new ByteArrayContent(s_request) };
        request.Content.Headers.ContentType = s_json;
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        using var stream = await response.Content.ReadAsStreamAsync();
        var total = 0;
        int n;
        while ((n = await stream.ReadAsync(_buffer)) > 0)
        {
            total += n;
        }

        return total;
    }

    private sealed class AcceptAllHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null)
            {
                await request.Content.CopyToAsync(Stream.Null, cancellationToken);
            }

            return new HttpResponseMessage(request.Method == HttpMethod.Get ? HttpStatusCode.NotFound : HttpStatusCode.OK);
        }
    }
}

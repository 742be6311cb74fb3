using System.Globalization;
using System.Text;
using LensAI.Pricing;
using LensAI.Testing;

namespace LensAI.Tests.Capture;

/// <summary>
/// docs/pricing.md's fixture matrix: every recorded success fixture, the cost expected from its own usage numbers and
/// the dated list price (written out in <see cref="FixtureExpectations.ExpectedCost"/>, not through the cost code),
/// and what LensAI records for it through the HttpClient capture. The page's table is this test's output, so it cannot
/// drift: <c>LENSAI_UPDATE_DOCS=1 dotnet test tests/LensAI.Tests --filter FixtureMatrix</c> rewrites it.
/// </summary>
public sealed class FixtureMatrixTests
{
    private const string Begin = "<!-- BEGIN GENERATED: fixture matrix (tests/LensAI.Tests/Capture/FixtureMatrixTests.cs; LENSAI_UPDATE_DOCS=1 rewrites it) -->";
    private const string End = "<!-- END GENERATED: fixture matrix -->";

    [Fact]
    public async Task The_fixture_matrix_in_docs_pricing_md_is_what_lensai_records()
    {
        var table = new StringBuilder();
        table.AppendLine("| fixture | model | in / cached / cache write / audio in | out / reasoning | list price ($/1M in / out) | expected | recorded |");
        table.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var c in FixtureCaptureTests.Successes)
        {
            var body = Fixtures.Bytes(c.File);
            await using var client = new TestClient();
            using var http = client.Http(StubHandler.Returning(body, c.Sse ? "text/event-stream" : "application/json"));
            using var response = await http.PostAsync(c.Url, new StringContent("{}", Encoding.UTF8, "application/json"));
            await response.Content.ReadAsByteArrayAsync();
            var e = client.Single();

            var usage = FixtureExpectations.ExpectedUsage(body, c.Sse, c.Dialect) with { ServiceTier = FixtureExpectations.ExpectedServiceTier(body, c.Sse) };
            var model = FixtureExpectations.Model(body, c.Sse)!;
            var expected = FixtureExpectations.ExpectedCost(c.Provider, model, usage);
            Assert.Equal(expected, e.CostUsd);

            var price = PriceCatalog.Default.TryGetPrice(c.Provider, model, out var p)
                ? Invariant($"{p.InputPerMillion:0.###} / {p.OutputPerMillion:0.###} ({e.PriceVersion})")
                    + (usage.ServiceTier is { } tier && p.ServiceTierFactors.TryGetValue(tier, out var factor) ? Invariant($", {tier} tier × {factor:0.###}") : "")
                : "unpriced";
            table.AppendLine(Invariant(
                $"| `{c.File}` | `{model}` | {usage.InputTokens} / {usage.CachedInputTokens} / {usage.CacheWriteTokens} / {usage.AudioInputTokens} | {usage.OutputTokens} / {usage.ReasoningTokens} | {price} | {Usd(expected)} | {Usd(e.CostUsd)} |"));
        }

        var path = Path.Combine(RepositoryPaths.Root, "docs", "pricing.md");
        var page = File.ReadAllText(path).ReplaceLineEndings("\n");
        var at = page.IndexOf(Begin, StringComparison.Ordinal);
        var end = page.IndexOf(End, StringComparison.Ordinal);
        Assert.True(at >= 0 && end > at, $"docs/pricing.md lacks the markers {Begin} … {End}.");
        var generated = Begin + "\n" + table.ToString().ReplaceLineEndings("\n");
        var current = page[at..end];
        if (current != generated && Environment.GetEnvironmentVariable("LENSAI_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, page[..at] + generated + page[end..]);
            return;
        }

        Assert.True(current == generated, "docs/pricing.md's fixture matrix is out of date. Run: LENSAI_UPDATE_DOCS=1 dotnet test tests/LensAI.Tests --filter FixtureMatrix\n" + generated);
    }

    private static string Usd(decimal? cost) => cost is { } c ? "$" + c.ToString("0.#########", CultureInfo.InvariantCulture) : "unpriced (null)";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

using System.Net;
using LensAI.Testing;

namespace LensAI.Functions.Tests;

/// <summary>
/// The per-key token bucket (issue 13, item 8): a noisy key is throttled without slowing a quiet one, and nobody can
/// spend another key's tokens by presenting its public prefix with a wrong secret.
/// </summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private const int Burst = 5;
    private TestBackend _backend = null!;

    public async Task InitializeAsync()
        => _backend = await TestBackend.StartAsync(settings: new() { ["LensAI:Backend:RateLimitPerSecond"] = "1", ["LensAI:Backend:RateLimitBurst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task A_noisy_key_is_throttled_and_a_quiet_key_of_another_project_is_not()
    {
        using var noisy = _backend.Client(await _backend.CreateKeyAsync("noisy"));
        using var quiet = _backend.Client(await _backend.CreateKeyAsync("quiet"));
        var noisyStatuses = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ => (await noisy.GetAsync("v1/budgets/status")).StatusCode));
        Assert.Contains(HttpStatusCode.TooManyRequests, noisyStatuses);
        Assert.True(noisyStatuses.Count(s => s == HttpStatusCode.OK) < 40);

        for (var i = 0; i < Burst; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await quiet.GetAsync("v1/budgets/status")).StatusCode);
        }

        // Many tiny batches from the noisy key: throttled (429 with Retry-After), never a 5xx.
        var batches = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ => await noisy.PostAsync("v1/events", Batches.Content(Batches.Json([Batches.Event()])))));
        Assert.All(batches, b => Assert.True(b.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, b.StatusCode.ToString()));
        Assert.All(batches.Where(b => b.StatusCode == HttpStatusCode.TooManyRequests), b => Assert.NotNull(b.Headers.RetryAfter));
    }

    [Fact]
    public async Task A_wrong_secret_with_a_victims_prefix_never_spends_the_victims_tokens()
    {
        var key = await _backend.CreateKeyAsync("victim");
        using var attacker = _backend.Client(key[..13] + new string('z', 32)); // lsk_<victim's prefix>_<wrong secret>
        var statuses = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ => (await attacker.GetAsync("v1/budgets/status")).StatusCode));
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, s.ToString()));

        using var victim = _backend.Client(key);
        for (var i = 0; i < Burst; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await victim.GetAsync("v1/budgets/status")).StatusCode);
        }
    }
}

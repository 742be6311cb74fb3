using LensAI.Testing;

namespace LensAI.Backend.Tests.Infrastructure;

/// <summary>Azurite's Blob service, started once per test run (collection fixture).</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Azurite's well-known development account (public, documented by Azurite; no secret).</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>The development account's key, as Azurite documents it.</summary>
    public const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private NodeServer? _server;

    public Uri BlobEndpoint => new($"http://127.0.0.1:{Server.Port}/{DevelopmentAccountName}");

    /// <summary>An account-key connection string for the well-known development account (Shared Key auth, checked by Azurite).</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={DevelopmentAccountName};AccountKey={DevelopmentAccountKey};BlobEndpoint={BlobEndpoint};";

    public NodeServer Server => _server ?? throw new InvalidOperationException("Azurite is not running.");

    public async Task InitializeAsync()
    {
        await NodeTools.EnsureInstalledAsync();
        var main = Path.Combine(NodeTools.ModulesDirectory, "azurite", "dist", "src", "blob", "main.js");
        _server = await NodeServer.StartAsync("azurite", (port, dir) =>
        [
            main, "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--location", dir, "--silent", "--loose", "--disableTelemetry",
        ], TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>s3rver (see <see cref="S3rver"/>), started once per test run (collection fixture).</summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public const string Bucket = S3rver.Bucket;
    public const string AccessKey = S3rver.AccessKey;
    public const string SecretKey = S3rver.SecretKey;

    private NodeServer? _server;

    public string ServiceUrl => $"http://127.0.0.1:{Server.Port}";

    public NodeServer Server => _server ?? throw new InvalidOperationException("s3rver is not running.");

    public async Task InitializeAsync() => _server = await S3rver.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteServer : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

[CollectionDefinition(Name)]
public sealed class S3rverServer : ICollectionFixture<S3rverFixture>
{
    public const string Name = "s3rver";
}

using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using LensAI.Backend.Storage;
using LensAI.Backend.Tests.Infrastructure;

namespace LensAI.Backend.Tests.Storage;

/// <summary>
/// The Azure Blob adapter's ways to authenticate and its pinned service version, against Azurite (which checks
/// Shared Key signatures, SAS signatures and permissions, and the <c>x-ms-version</c> it accepts).
/// </summary>
[Collection(AzuriteServer.Name)]
public sealed class AzureBlobStoreAzuriteTests(AzuriteFixture azurite)
{
    private const string Container = "auth-modes";

    private static CancellationToken Ct => CancellationToken.None;

    public static TheoryData<string> WaysToAuthenticate => new() { "account key", "SasToken option", "SAS in the URL", "SAS connection string" };

    [Theory]
    [MemberData(nameof(WaysToAuthenticate))]
    public async Task Every_way_to_authenticate_writes_reads_lists_and_deletes(string how)
    {
        await EnsureContainerAsync();
        var sas = Sas(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.Add | BlobContainerSasPermissions.Create
                      | BlobContainerSasPermissions.Write | BlobContainerSasPermissions.Delete | BlobContainerSasPermissions.List);
        var options = how switch
        {
            "account key" => new AzureBlobStoreOptions { AccountUrl = azurite.BlobEndpoint.ToString(), AccountKey = AzuriteFixture.DevelopmentAccountKey },
            "SasToken option" => new AzureBlobStoreOptions { AccountUrl = azurite.BlobEndpoint.ToString(), SasToken = sas },
            "SAS in the URL" => new AzureBlobStoreOptions { AccountUrl = $"{azurite.BlobEndpoint}?{sas}" },
            _ => new AzureBlobStoreOptions { ConnectionString = $"BlobEndpoint={azurite.BlobEndpoint};SharedAccessSignature={sas}" },
        };
        options.Container = Container;
        options.Prefix = $"t-{Guid.NewGuid():N}";
        using var store = new AzureBlobStore(options);

        await store.PutAsync("a/b.json", "{}"u8.ToArray(), Ct);
        var etag = await store.PutConditionalAsync("a/lease", "me"u8.ToArray(), null, Ct);
        var got = await store.GetAsync("a/b.json", Ct);
        var listed = new List<string>();
        await foreach (var item in store.ListAsync("a/", Ct))
        {
            listed.Add(item.Key);
        }

        await store.DeleteAsync("a/b.json", Ct);

        Assert.NotNull(etag);
        Assert.Equal("{}"u8.ToArray(), got!.Content);
        Assert.Equal(["a/b.json", "a/lease"], listed);
        Assert.Null(await store.GetAsync("a/b.json", Ct));
        Assert.DoesNotContain("sig=", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_sas_cannot_write_and_says_so_without_retrying()
    {
        await EnsureContainerAsync();
        using var store = new AzureBlobStore(new AzureBlobStoreOptions
        {
            AccountUrl = azurite.BlobEndpoint.ToString(),
            SasToken = Sas(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List),
            Container = Container,
            MaxRetries = 3,
            RetryDelay = TimeSpan.FromSeconds(5),
            MaxRetryDelay = TimeSpan.FromSeconds(5),
        });

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync("read-only/x", "x"u8.ToArray(), Ct));

        Assert.Equal(403, ex.StatusCode);
        Assert.Equal("AuthorizationPermissionMismatch", ex.ErrorCode);
        Assert.Contains("Put Blob 'read-only/x' failed: 403 AuthorizationPermissionMismatch", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_account_key_is_refused_as_403()
    {
        using var store = new AzureBlobStore(new AzureBlobStoreOptions
        {
            AccountUrl = azurite.BlobEndpoint.ToString(),
            AccountKey = Convert.ToBase64String(new byte[64]),
            Container = Container,
        });

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => store.GetAsync("x", Ct));

        Assert.Equal(403, ex.StatusCode);
        Assert.Equal("AuthorizationFailure", ex.ErrorCode);
    }

    /// <summary>
    /// Why <see cref="AzureBlobStoreOptions.DefaultServiceVersion"/> is not the client library's newest: Azurite 3.37
    /// refuses that one. The default is the newest it accepts (every conformance test runs on it).
    /// </summary>
    [Fact]
    public async Task Azurite_refuses_the_newest_service_version_the_client_knows_but_takes_the_default()
    {
        var newest = Enum.GetValues<BlobClientOptions.ServiceVersion>().Max();
        var newestText = newest.ToString()[1..].Replace('_', '-');
        Assert.True(string.CompareOrdinal(newestText, AzureBlobStoreOptions.DefaultServiceVersion) > 0,
            $"The client's newest service version {newestText} is the default now: drop the pin (and this test) if Azurite accepts it.");
        await EnsureContainerAsync();
        using var pinned = Store(AzureBlobStoreOptions.DefaultServiceVersion);
        using var unpinned = Store(newestText);

        await pinned.PutAsync("version/x", "x"u8.ToArray(), Ct);
        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => unpinned.GetAsync("version/x", Ct));

        Assert.Equal(400, ex.StatusCode);
        Assert.Equal("InvalidHeaderValue", ex.ErrorCode);

        AzureBlobStore Store(string version) => new(new AzureBlobStoreOptions
        {
            ConnectionString = azurite.ConnectionString,
            Container = Container,
            ServiceVersion = version,
            MaxRetries = 0,
        });
    }

    private async Task EnsureContainerAsync()
    {
        using var store = new AzureBlobStore(new AzureBlobStoreOptions { ConnectionString = azurite.ConnectionString, Container = Container });
        await store.CreateContainerIfMissingAsync(Ct);
    }

    private string Sas(BlobContainerSasPermissions permissions)
    {
        var builder = new BlobSasBuilder(permissions, DateTimeOffset.UtcNow.AddHours(1)) { BlobContainerName = Container };
        return builder.ToSasQueryParameters(new StorageSharedKeyCredential(AzuriteFixture.DevelopmentAccountName, AzuriteFixture.DevelopmentAccountKey)).ToString();
    }
}

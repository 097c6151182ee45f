using System.IO;

namespace Homunculus.Compiler.Tests.Support;

public static class Repository
{
    /// <summary>The repository root (the folder holding Homunculus.slnx).</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(System.AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Homunculus.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("repository root not found");
    }
}

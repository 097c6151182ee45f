using System.Collections.Generic;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Spec;
using Microsoft.Extensions.FileSystemGlobbing;

namespace Homunculus.Compiler.Data;

/// <summary>Data paths with wildcards (<c>data/*.csv</c>, <c>captures/**/train-*.csv</c>), expanded deterministically.</summary>
public static class DataFiles
{
    public static bool IsGlob(string path) => path.IndexOfAny(['*', '?', '[']) >= 0;

    /// <summary>The files matching <paramref name="pattern"/>, in ordinal order of their full paths.</summary>
    /// <param name="folder">The folder the pattern is rooted at (its part before the first wildcard).</param>
    public static IReadOnlyList<DataPath> Expand(DataPath pattern, out string folder)
    {
        // Split "<fixed folder>/<pattern with wildcards>" so that absolute patterns work too.
        string full = pattern.FullPath.Replace('\\', '/');
        int wildcard = full.IndexOfAny(['*', '?', '[']);
        int slash = full.LastIndexOf('/', wildcard);
        folder = slash <= 0 ? "/" : full.Substring(0, slash);
        string relative = full.Substring(slash + 1);
        if (!Directory.Exists(folder)) return [];
        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(relative);
        return matcher.GetResultsInFullPath(folder)
            .Select(Path.GetFullPath)
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => pattern with { FullPath = p })
            .ToList();
    }
}

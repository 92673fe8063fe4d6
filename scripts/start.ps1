# 砍价存证助手：Windows 10/11 上的 scripts/start（双击仓库根目录的「启动.bat」或 scripts\start.bat 运行它）。
# 它做的事和 scripts/start 一样：找到 Python 3.10+（先 py 启动器，再 PATH 上的 python / python3），
# 没有时用中文说明怎样安装；首次运行把助手装进 .venv（pip 的输出写进 .venv\install.log）；
# 然后启动助手并打开控制台。其他命令照样传给助手：start.bat token / info / verify / export / demo / import / watch。
# 每一步为什么这样做，以及哪些在真正的 Windows 上运行过：docs/windows.md。
param([Parameter(ValueFromRemainingArguments = $true)][string[]]$Rest = @())

# Native commands report failure through $LASTEXITCODE, checked after each; 'Stop' would turn any
# line pip writes to stderr into a terminating error under Windows PowerShell 5.1.
$ErrorActionPreference = 'Continue'

# Chinese on any console: UTF-8 out of PowerShell and out of Python (the console's code page may be GBK).
try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { }
$OutputEncoding = New-Object System.Text.UTF8Encoding $false
$env:PYTHONUTF8 = '1'
$env:PYTHONIOENCODING = 'utf-8'

$Root = Split-Path -Parent $PSScriptRoot
Set-Location -LiteralPath $Root
# The companion's hints name what the user has ("start.bat token"), not a command not on PATH.
if (-not $env:BARGAIN_WITNESS_COMMAND) {
    $env:BARGAIN_WITNESS_COMMAND = '"' + (Join-Path $PSScriptRoot 'start.bat') + '"'
}

$Commands = @('serve', 'token', 'info', 'verify', 'export', 'demo', 'import', 'watch', '--help', '--version')
$MinVersionCheck = 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'

function Test-Python([string]$Exe, [string[]]$PyArgs) {
    # The Microsoft Store's python.exe stub (WindowsApps) exits 9009 without running anything,
    # so it fails this check like a missing or too old Python does.
    try {
        & $Exe @PyArgs -c $MinVersionCheck *> $null
        return ($LASTEXITCODE -eq 0)
    } catch {
        return $false
    }
}

function Find-Python {
    $candidates = @()
    if (Get-Command py -CommandType Application -ErrorAction SilentlyContinue) {
        foreach ($v in @('-3', '-3.13', '-3.12', '-3.11', '-3.10')) {
            $candidates += , @{ Exe = 'py'; Args = @($v) }
        }
    }
    foreach ($name in @('python', 'python3')) {
        foreach ($cmd in @(Get-Command $name -CommandType Application -ErrorAction SilentlyContinue)) {
            $candidates += , @{ Exe = $cmd.Source; Args = @() }
        }
    }
    foreach ($c in $candidates) {
        if (Test-Python $c.Exe $c.Args) { return $c }
    }
    return $null
}

function Show-InstallPython {
    Write-Host ''
    Write-Host '没有找到 Python 3.10 或更高版本。请按以下步骤安装（只需一次）：' -ForegroundColor Yellow
    Write-Host '  1. 用浏览器打开 https://www.python.org/downloads/windows/ ，下载最新的 Python 3 安装程序（Windows installer (64-bit)）。'
    Write-Host '  2. 运行安装程序，在第一页底部勾选「Add python.exe to PATH」，再点「Install Now」。'
    Write-Host '  3. 安装完成后关闭本窗口，重新双击「启动.bat」。'
    Write-Host '  （如果安装后仍提示找不到：在「设置 → 应用 → 高级应用设置 → 应用执行别名」中关闭 python.exe 和 python3.exe 的「应用安装程序」别名。）'
}

$VenvPython = Join-Path $Root '.venv\Scripts\python.exe'
$Companion = Join-Path $Root '.venv\Scripts\bargain-witness.exe'
$Stamp = Join-Path $Root '.venv\.installed'
$Log = Join-Path $Root '.venv\install.log'

$needsInstall = -not (Test-Path -LiteralPath $Companion) -or -not (Test-Path -LiteralPath $Stamp)
if (-not $needsInstall) {
    $installed = (Get-Item -LiteralPath $Stamp).LastWriteTime
    foreach ($f in @('pyproject.toml', 'setup.py')) {
        if ((Get-Item -LiteralPath (Join-Path $Root $f)).LastWriteTime -gt $installed) { $needsInstall = $true }
    }
}

if ($needsInstall) {
    Write-Host '正在安装砍价存证助手（首次运行需要一两分钟）…'
    if (-not (Test-Path -LiteralPath $VenvPython)) {
        $python = Find-Python
        if ($null -eq $python) {
            Show-InstallPython
            exit 1
        }
        & $python.Exe @($python.Args) -m venv (Join-Path $Root '.venv')
        if ($LASTEXITCODE -ne 0) {
            Write-Host '无法创建 .venv 文件夹：请确认本文件夹可写（不要放在「C:\Program Files」里），然后重新运行。' -ForegroundColor Red
            exit 1
        }
    }
    # pip's and setuptools' own messages go to the log: the user sees them only when something failed.
    & $VenvPython -m pip install --quiet --upgrade pip 2>&1 | Out-File -LiteralPath $Log -Encoding utf8
    $ok = ($LASTEXITCODE -eq 0)
    if ($ok) {
        & $VenvPython -m pip install --quiet -e $Root 2>&1 | Out-File -LiteralPath $Log -Encoding utf8 -Append
        $ok = ($LASTEXITCODE -eq 0)
    }
    if (-not $ok) {
        Get-Content -LiteralPath $Log -Encoding utf8 | Write-Host
        Write-Host "安装失败：请检查网络连接后重新运行（详细信息见上方，或 $Log）。" -ForegroundColor Red
        exit 1
    }
    Set-Content -LiteralPath $Stamp -Value '' -Encoding ascii
}

if ($Rest.Count -gt 0 -and $Commands -contains $Rest[0]) {
    & $Companion @Rest
} else {
    # Start the companion and open the dashboard in the default browser once it listens.
    & $Companion serve --open-browser @Rest
}
exit $LASTEXITCODE

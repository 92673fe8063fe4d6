@echo off
rem Bargain Witness companion on Windows: runs scripts\start.ps1 (docs/windows.md).
rem Double-click it, or run "scripts\start.bat token" and the like from a console.
rem This file stays ASCII: cmd.exe reads a .bat in the console's code page, not UTF-8.
setlocal
powershell.exe -NoProfile -ExecutionPolicy Bypass -File "%~dp0start.ps1" %*
set "CODE=%ERRORLEVEL%"
rem A window opened by a double-click closes at once: keep it so the message can be read.
if not "%CODE%"=="0" pause
exit /b %CODE%

@echo off
rem Double-click to install and start the Bargain Witness companion (docs/windows.md).
rem ASCII on purpose: cmd.exe reads a .bat in the console's code page.
setlocal
set "BARGAIN_WITNESS_COMMAND="%~dp0scripts\start.bat""
call "%~dp0scripts\start.bat" %*
set "CODE=%ERRORLEVEL%"
if not "%CODE%"=="0" pause
exit /b %CODE%

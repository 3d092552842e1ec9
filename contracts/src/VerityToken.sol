// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IVerityToken} from "./interfaces/IVerityToken.sol";

/// @notice See {IVerityToken}: fixed supply minted once, EIP-2612 permit, burn lowers the supply.
contract VerityToken is ERC20, ERC20Burnable, ERC20Permit, IVerityToken {
    uint256 private immutable _minted;

    constructor(address holder, uint256 supply) ERC20("Verity", "VRT") ERC20Permit("Verity") {
        _minted = supply;
        _mint(holder, supply);
    }

    /// @inheritdoc IVerityToken
    function minted() external view returns (uint256) {
        return _minted;
    }

    /// @inheritdoc IVerityToken
    function burned() external view returns (uint256) {
        return _minted - totalSupply();
    }

    function burn(uint256 value) public override(ERC20Burnable, IVerityToken) {
        super.burn(value);
    }

    function burnFrom(address account, uint256 value) public override(ERC20Burnable, IVerityToken) {
        super.burnFrom(account, value);
    }

    function nonces(address owner) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }
}
